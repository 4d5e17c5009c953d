package org.tornadobatch.device.cuda;

import org.tornadobatch.device.DeviceException;

/** A CUDA driver or NVRTC call failed: names the function, the status code and its name, and the device. */
public class CudaException extends DeviceException {
    private static final long serialVersionUID = 1L;
    /** The CUDA function that failed. */
    private final String function;
    /** The status code it returned. */
    private final int status;
    /** The status code's name. */
    private final String statusName;

    /** Call {@code function} failed with status {@code status} ({@code statusName}) on {@code device}. */
    public CudaException(String function, int status, String statusName, String device) {
        this(function, status, statusName, device, "");
    }

    /** As the four-argument constructor, with {@code detail} (e.g. NVRTC's log) after the message. */
    public CudaException(String function, int status, String statusName, String device, String detail) {
        super(function + " failed with " + statusName + " (" + status + ") on " + device + (detail.isEmpty() ? "" : ": " + detail));
        this.function = function;
        this.status = status;
        this.statusName = statusName;
    }

    /** The CUDA function that failed, e.g. {@code cuMemAlloc_v2}. */
    public String function() {
        return function;
    }

    /** The status code it returned. */
    public int status() {
        return status;
    }

    /** The status code's name, e.g. {@code CUDA_ERROR_OUT_OF_MEMORY}. */
    public String statusName() {
        return statusName;
    }
}
