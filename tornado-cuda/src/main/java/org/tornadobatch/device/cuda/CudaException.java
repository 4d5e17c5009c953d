package org.tornadobatch.device.cuda;

import org.tornadobatch.device.DeviceException;

/** A CUDA driver or NVRTC call failed: names the function, the status code and its name, and the device. */
public class CudaException extends DeviceException {
    private static final long serialVersionUID = 1L;
    private final String function;
    private final int status;
    private final String statusName;

    public CudaException(String function, int status, String statusName, String device) {
        this(function, status, statusName, device, "");
    }

    public CudaException(String function, int status, String statusName, String device, String detail) {
        super(function + " failed with " + statusName + " (" + status + ") on " + device + (detail.isEmpty() ? "" : ": " + detail));
        this.function = function;
        this.status = status;
        this.statusName = statusName;
    }

    public String function() {
        return function;
    }

    public int status() {
        return status;
    }

    public String statusName() {
        return statusName;
    }
}
