package org.tornadobatch.device;

import org.tornadobatch.TornadoBatchException;

/** A device operation failed. */
public class DeviceException extends TornadoBatchException {
    private static final long serialVersionUID = 1L;

    /** A failure described by {@code message} (what failed, the values, the remedy). */
    public DeviceException(String message) {
        super(message);
    }

    /** A failure described by {@code message}, caused by {@code cause}. */
    public DeviceException(String message, Throwable cause) {
        super(message, cause);
    }
}
