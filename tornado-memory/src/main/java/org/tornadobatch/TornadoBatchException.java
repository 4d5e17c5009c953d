package org.tornadobatch;

/** The root of every exception tornado-batch throws on purpose. */
public class TornadoBatchException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A failure described by {@code message} (what failed, the values, the remedy). */
    public TornadoBatchException(String message) {
        super(message);
    }

    /** A failure described by {@code message}, caused by {@code cause}. */
    public TornadoBatchException(String message, Throwable cause) {
        super(message, cause);
    }
}
