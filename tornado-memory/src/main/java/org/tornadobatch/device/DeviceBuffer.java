package org.tornadobatch.device;

/**
 * Memory on a device. Obtained from {@link DeviceRuntime#allocate}; released through the runtime (or the
 * memory manager that allocated it), never used after that.
 */
public interface DeviceBuffer {
    /** Size in bytes. */
    long bytes();

    /** The device address (a CUdeviceptr on CUDA; a native address on the JVM runtime). */
    long address();

    /** False once the buffer has been freed or invalidated. */
    boolean isValid();

    /** Rejects a copy of {@code length} bytes at {@code offset} that does not fit {@code size} bytes. */
    static void checkRange(long offset, long length, long size) {
        if (offset < 0 || length < 0 || offset + length > size) {
            throw new IndexOutOfBoundsException("copy of " + length + " bytes at offset " + offset
                    + " does not fit a buffer of " + size + " bytes");
        }
    }
}
