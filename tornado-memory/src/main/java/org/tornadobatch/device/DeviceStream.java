package org.tornadobatch.device;

/**
 * An ordered lane of device work (a CUDA stream, an OpenCL queue, a JVM worker lane): work queued on one
 * stream runs in order; different streams may run concurrently.
 */
public interface DeviceStream extends AutoCloseable {
    /** An event marking everything queued so far. */
    DeviceEvent record();

    /** Blocks until everything queued so far has finished. */
    default void synchronize() {
        record().synchronize();
    }

    /** Waits for queued work, then releases the stream. Idempotent. */
    @Override
    void close();
}
