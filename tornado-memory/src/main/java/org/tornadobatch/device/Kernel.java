package org.tornadobatch.device;

/** A kernel compiled by a runtime, ready to launch. Closing it unloads it; idempotent. */
public interface Kernel extends AutoCloseable {
    String entryPoint();

    @Override
    void close();
}
