package org.tornadobatch.device;

import org.tornadobatch.Bytes;

/** The device could not provide the bytes asked for. */
public class OutOfDeviceMemoryException extends DeviceException {
    private static final long serialVersionUID = 1L;
    private final long requestedBytes;
    private final long freeBytes;

    public OutOfDeviceMemoryException(String device, long requestedBytes, long freeBytes) {
        super("out of memory on " + device + ": cannot allocate " + Bytes.exact(requestedBytes) + " with "
                + Bytes.exact(freeBytes) + " free; free other buffers, lower the batch, or let the memory manager chunk it");
        this.requestedBytes = requestedBytes;
        this.freeBytes = freeBytes;
    }

    public long requestedBytes() {
        return requestedBytes;
    }

    public long freeBytes() {
        return freeBytes;
    }
}
