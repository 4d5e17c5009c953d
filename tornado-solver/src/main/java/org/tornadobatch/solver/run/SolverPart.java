package org.tornadobatch.solver.run;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import org.tornadobatch.FirstFailure;
import org.tornadobatch.device.DeviceStream;
import org.tornadobatch.device.HostBuffer;
import org.tornadobatch.memory.MemoryManager;
import org.tornadobatch.memory.OwnerSettings;

/**
 * An owner of device memory in a solver's name: the solver's own, or one part of a solve split across several
 * (each with its own arrays, stream group and, on tornadovm, execution plan). It holds the pinned memory its
 * copies go through (kept between solves; pinning is slow) and the streams of its slices.
 */
public final class SolverPart implements AutoCloseable {
    private final MemoryManager memory;
    private final org.tornadobatch.device.Kernel kernel;
    private final List<DeviceStream> streams = new ArrayList<>();
    private HostBuffer pinned;

    /** Registers a new owner called {@code name} in {@code streamGroup} with {@code memory}; it runs the solve's kernel. */
    public SolverPart(MemoryManager memory, String name, String streamGroup) {
        this(memory, name, streamGroup, null);
    }

    /**
     * Registers a new owner called {@code name} in {@code streamGroup} with {@code memory} (a device's memory manager),
     * which runs {@code kernel} (compiled for that manager's runtime; null: the solve's kernel).
     */
    public SolverPart(MemoryManager memory, String name, String streamGroup, org.tornadobatch.device.Kernel kernel) {
        this.memory = memory;
        this.kernel = kernel;
        // No hooks: a solve takes its arrays from MemoryManager.allocate's answer.
        memory.register(this, OwnerSettings.<SolverPart>builder().name(name).streamGroup(streamGroup).build());
    }

    /** The memory manager this part allocates with (its device's). */
    MemoryManager memory() {
        return memory;
    }

    /** The kernel this part runs: its device's, or null for the solve's. */
    org.tornadobatch.device.Kernel kernel() {
        return kernel;
    }

    /**
     * Pinned host memory of at least {@code bytes}, kept between solves, from the memory manager (counted and bounded
     * with its staging pool).
     */
    synchronized MemorySegment pinned(long bytes) {
        if (pinned == null || pinned.bytes() < bytes) {
            if (pinned != null) {
                pinned.close();
                pinned = null;
            }
            pinned = memory.pinnedBuffer(this, Math.max(1, bytes));
        }
        return pinned.segment().asSlice(0, bytes);
    }

    /** The pinned bytes {@link #pinned} could hand out now: what the manager has left, plus what this part holds. */
    synchronized long pinnedBudget() {
        return memory.pinnedAvailableBytes() + (pinned == null ? 0 : pinned.bytes());
    }

    /** {@code count} streams for a solve's slices: the part's stream of its memory manager when one, else streams kept here. */
    synchronized DeviceStream[] streams(int count) {
        if (count == 1) {
            return new DeviceStream[] {memory.stream(this)};
        }
        while (streams.size() < count) {
            streams.add(memory.runtime().newStream());
        }
        return streams.subList(0, count).toArray(DeviceStream[]::new);
    }

    /** Frees the part's arrays and memory and leaves the memory manager. */
    @Override
    public void close() {
        FirstFailure f = new FirstFailure();
        synchronized (this) {
            streams.forEach(s -> f.run(s::close)); // waits for their copies into the pinned memory below
            streams.clear();
            if (pinned != null) {
                f.run(pinned::close);
                pinned = null;
            }
        }
        if (memory.isRegistered(this)) {
            f.run(() -> memory.freeAll(this));
            f.run(() -> memory.unregister(this));
        }
        f.rethrow();
    }
}
