package org.tornadobatch.device;

import org.tornadobatch.TornadoBatchException;

/** A device operation failed. */
public class DeviceException extends TornadoBatchException {
    private static final long serialVersionUID = 1L;

    public DeviceException(String message) {
        super(message);
    }

    public DeviceException(String message, Throwable cause) {
        super(message, cause);
    }
}
