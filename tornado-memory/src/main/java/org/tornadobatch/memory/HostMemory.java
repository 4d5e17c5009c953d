package org.tornadobatch.memory;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

import org.tornadobatch.device.DeviceBuffer;
import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.device.DeviceStream;
import org.tornadobatch.memory.host.HostArray;
import org.tornadobatch.memory.host.HostArrayKind;
import org.tornadobatch.memory.host.HostArrays;

/**
 * The memory manager's host side: result arrays (pageable, pinned, or spilled to memory-mapped files past an
 * owner's threshold), and copies that go through the bounded pinned staging ({@link PinnedMemory}).
 */
final class HostMemory {
    private final DeviceRuntime runtime;
    private final HostArrays arrays;
    private final long spillThresholdBytes;
    private final Path spillDirectory;
    private final PinnedMemory pinned;

    HostMemory(DeviceRuntime runtime, long spillThresholdBytes, Path spillDirectory, PinnedMemory pinned) {
        this.runtime = runtime;
        this.arrays = new HostArrays(runtime);
        this.spillThresholdBytes = spillThresholdBytes;
        this.spillDirectory = spillDirectory;
        this.pinned = pinned;
    }

    /** Where a host array of {@code bytes} for {@code e} goes: spill file, pinned or pageable. */
    HostArrayKind choose(OwnerEntry e, long bytes, boolean allowPinned) {
        return HostArrays.choose(bytes, e.settings.hostSpillThresholdBytes().orElse(spillThresholdBytes), allowPinned);
    }

    /** The folder for {@code e}'s spill files: its own, else the manager's. */
    Path spillDirectory(OwnerEntry e) {
        return e.settings.spillDirectory() != null ? e.settings.spillDirectory() : spillDirectory;
    }

    HostArray create(ElementType type, long[] shape, HostArrayKind kind, Path dir) {
        return arrays.create(type, shape, kind, dir);
    }

    /** Queues a copy to the device on {@code s}; pageable sources go through pinned staging. */
    void toDevice(MemorySegment source, boolean sourcePinned, DeviceBuffer target, long targetOffset, DeviceStream s) {
        if (sourcePinned) {
            runtime.copyToDevice(source, target, targetOffset, s);
        } else {
            pinned.staging().toDevice(source, target, targetOffset, s);
        }
    }

    /** Copies device memory into host memory through pinned staging; returns when the data is there. */
    void toHost(DeviceBuffer source, long sourceOffset, MemorySegment target, DeviceStream s) {
        pinned.staging().toHost(source, sourceOffset, target, s);
    }
}
