package org.tornadobatch.device.cuda;

import java.util.concurrent.atomic.AtomicBoolean;

import org.tornadobatch.Bytes;
import org.tornadobatch.device.DeviceBuffer;

/** Device memory of the cuda runtime: a CUdeviceptr and its size. */
final class CudaBuffer implements DeviceBuffer {
    private final CudaRuntime owner;
    private final long address;
    private final long bytes;
    private final boolean streamOrdered;
    private final AtomicBoolean valid = new AtomicBoolean(true);

    CudaBuffer(CudaRuntime owner, long address, long bytes, boolean streamOrdered) {
        this.owner = owner;
        this.address = address;
        this.bytes = bytes;
        this.streamOrdered = streamOrdered;
    }

    CudaRuntime owner() {
        return owner;
    }

    @Override
    public long bytes() {
        return bytes;
    }

    @Override
    public long address() {
        return address;
    }

    boolean streamOrdered() {
        return streamOrdered;
    }

    @Override
    public boolean isValid() {
        return valid.get();
    }

    /** Marks the buffer freed; false when it already was. */
    boolean release() {
        return valid.compareAndSet(true, false);
    }

    @Override
    public String toString() {
        return "cuda buffer 0x" + Long.toHexString(address) + " (" + Bytes.exact(bytes) + ")";
    }
}
