package org.tornadobatch.device.cuda;

import org.tornadobatch.device.DeviceException;

/** The cuda runtime cannot start here (no driver, no device, no NVRTC); the message says why in one line. */
public class CudaUnavailableException extends DeviceException {
    private static final long serialVersionUID = 1L;

    /** The runtime cannot start, for {@code reason} (one line). */
    public CudaUnavailableException(String reason) {
        super(reason);
    }
}
