package org.tornadobatch;

/** The root of every exception tornado-batch throws on purpose. */
public class TornadoBatchException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TornadoBatchException(String message) {
        super(message);
    }

    public TornadoBatchException(String message, Throwable cause) {
        super(message, cause);
    }
}
