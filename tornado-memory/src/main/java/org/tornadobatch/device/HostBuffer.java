package org.tornadobatch.device;

import java.lang.foreign.MemorySegment;

/** Host memory obtained from a runtime (pinned or pageable). Closing it frees it; closing twice is harmless. */
public interface HostBuffer extends AutoCloseable {
    /** The buffer's memory. */
    MemorySegment segment();

    /** Pinned or pageable. */
    HostMemoryKind kind();

    /** The buffer's size in bytes. */
    default long bytes() {
        return segment().byteSize();
    }

    @Override
    void close();
}
