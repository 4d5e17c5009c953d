package org.tornadobatch.memory.host;

import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import org.tornadobatch.Bytes;
import org.tornadobatch.device.DeviceBuffer;
import org.tornadobatch.device.DeviceEvent;
import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.device.DeviceStream;
import org.tornadobatch.device.HostBuffer;
import org.tornadobatch.device.HostMemoryKind;

/**
 * A bounded pool of pinned staging blocks for copies between pageable host memory and the device: large
 * transfers go block by block, at most {@code maxBlocks} blocks of {@code blockBytes} in flight. A block
 * becomes reusable when the copy that used it has completed on its stream. Thread-safe.
 */
public final class StagingPool implements AutoCloseable {
    /** Default block size: 64 MiB. */
    public static final long DEFAULT_BLOCK_BYTES = 64 * Bytes.MiB;
    /** Default number of blocks. */
    public static final int DEFAULT_MAX_BLOCKS = 4;

    private record InFlight(HostBuffer block, DeviceEvent done) {
    }

    private record Pending(HostBuffer block, long offset, long length, DeviceEvent done) {
    }

    private final DeviceRuntime runtime;
    private final long blockBytes;
    private final int maxBlocks;
    private final Deque<HostBuffer> idle = new ArrayDeque<>();
    private final Deque<InFlight> inFlight = new ArrayDeque<>();
    private int created;
    private long blocksUsed;
    private boolean closed;

    /** A pool of up to {@code maxBlocks} pinned blocks of {@code blockBytes} each from {@code runtime}. */
    public StagingPool(DeviceRuntime runtime, long blockBytes, int maxBlocks) {
        this.runtime = runtime;
        this.blockBytes = Bytes.requirePositive("blockBytes", blockBytes);
        if (maxBlocks < 1) {
            throw new IllegalArgumentException("maxBlocks: " + maxBlocks + " (expected: >= 1)");
        }
        this.maxBlocks = maxBlocks;
    }

    /** Queues a copy of {@code source} into {@code target} at {@code targetOffset}, staged through pinned blocks. */
    public synchronized void toDevice(MemorySegment source, DeviceBuffer target, long targetOffset, DeviceStream stream) {
        long n = source.byteSize();
        for (long off = 0; off < n; off += blockBytes) {
            long len = Math.min(blockBytes, n - off);
            HostBuffer block = acquire();
            MemorySegment slice = block.segment().asSlice(0, len);
            HostCopy.copy(source, off, slice, 0, len);
            runtime.copyToDevice(slice, target, targetOffset + off, stream);
            inFlight.add(new InFlight(block, stream.record()));
        }
    }

    /** Copies {@code target.byteSize()} bytes from {@code source} at {@code sourceOffset} into {@code target}; returns when done. */
    public synchronized void toHost(DeviceBuffer source, long sourceOffset, MemorySegment target, DeviceStream stream) {
        Deque<Pending> pending = new ArrayDeque<>();
        long n = target.byteSize();
        try {
            for (long off = 0; off < n; off += blockBytes) {
                long len = Math.min(blockBytes, n - off);
                if (idle.isEmpty() && created >= maxBlocks && inFlight.isEmpty() && !pending.isEmpty()) {
                    drain(pending.poll(), target);
                }
                HostBuffer block = acquire();
                runtime.copyToHost(source, sourceOffset + off, block.segment().asSlice(0, len), stream);
                pending.add(new Pending(block, off, len, stream.record()));
            }
            while (!pending.isEmpty()) {
                drain(pending.poll(), target);
            }
        } finally {
            for (Pending p : pending) {
                p.done().synchronize();
                idle.push(p.block());
            }
        }
    }

    private void drain(Pending p, MemorySegment target) {
        p.done().synchronize();
        HostCopy.copy(p.block().segment(), 0, target, p.offset(), p.length());
        idle.push(p.block());
    }

    /** A free block: an idle one, a new one while under the bound, or the oldest in flight once its copy is done. */
    private HostBuffer acquire() {
        if (closed) {
            throw new IllegalStateException("staging pool is closed");
        }
        while (!inFlight.isEmpty() && inFlight.peek().done().isComplete()) {
            idle.push(inFlight.poll().block());
        }
        blocksUsed++;
        if (!idle.isEmpty()) {
            return idle.pop();
        }
        if (created < maxBlocks) {
            created++;
            return runtime.allocateHost(blockBytes, HostMemoryKind.PINNED);
        }
        InFlight oldest = inFlight.poll();
        if (oldest == null) {
            throw new IllegalStateException("all " + maxBlocks + " staging blocks are held by one transfer");
        }
        oldest.done().synchronize();
        return oldest.block();
    }

    /** Blocks created so far (never more than maxBlocks). */
    public synchronized int blocksCreated() {
        return created;
    }

    /** Block uses so far (one per staged block of a transfer). */
    public synchronized long blocksUsed() {
        return blocksUsed;
    }

    /** The size of each block in bytes. */
    public long blockBytes() {
        return blockBytes;
    }

    /** Waits for copies in flight and frees every block. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<HostBuffer> all = new ArrayList<>(idle);
        for (InFlight f : inFlight) {
            f.done().synchronize();
            all.add(f.block());
        }
        idle.clear();
        inFlight.clear();
        all.forEach(HostBuffer::close);
    }
}
