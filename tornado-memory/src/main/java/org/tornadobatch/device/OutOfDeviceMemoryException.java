package org.tornadobatch.device;

import org.tornadobatch.Bytes;

/** The device could not provide the bytes asked for. */
public class OutOfDeviceMemoryException extends DeviceException {
    private static final long serialVersionUID = 1L;
    /** The bytes asked for. */
    private final long requestedBytes;
    /** The bytes free when the allocation failed. */
    private final long freeBytes;

    /** The device {@code device} could not provide {@code requestedBytes} with {@code freeBytes} free. */
    public OutOfDeviceMemoryException(String device, long requestedBytes, long freeBytes) {
        super("out of memory on " + device + ": cannot allocate " + Bytes.exact(requestedBytes) + " with "
                + Bytes.exact(freeBytes) + " free; free other buffers, lower the batch, or let the memory manager chunk it");
        this.requestedBytes = requestedBytes;
        this.freeBytes = freeBytes;
    }

    /** The bytes asked for. */
    public long requestedBytes() {
        return requestedBytes;
    }

    /** The bytes free when the allocation failed. */
    public long freeBytes() {
        return freeBytes;
    }
}
