package org.tornadobatch.device;

import java.lang.foreign.MemorySegment;

/** Host memory obtained from a runtime (pinned or pageable). Closing it frees it; closing twice is harmless. */
public interface HostBuffer extends AutoCloseable {
    MemorySegment segment();

    HostMemoryKind kind();

    default long bytes() {
        return segment().byteSize();
    }

    @Override
    void close();
}
