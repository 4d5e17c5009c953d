package org.tornadobatch.memory;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tornadobatch.Bytes;
import org.tornadobatch.device.DeviceBuffer;
import org.tornadobatch.device.DeviceEvent;
import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.device.DeviceRuntimes;
import org.tornadobatch.device.DeviceStream;
import org.tornadobatch.device.HostBuffer;
import org.tornadobatch.device.host.HostInfo;
import org.tornadobatch.memory.host.HostArray;
import org.tornadobatch.memory.host.HostArrayKind;
import org.tornadobatch.memory.host.HostArrays;
import org.tornadobatch.memory.host.StagingPool;
import org.tornadobatch.memory.internal.DeviceAllocator;

/**
 * Decides how much device memory each owner may use, plans chunks for batches that do not fit, allocates
 * through the chosen allocator, and keeps stream groups, eviction, host arrays and counters.
 *
 * <pre>{@code
 * try (MemoryManager mm = MemoryManager.builder(runtime).build()) {
 *     solver.registration = mm.register(solver, OwnerSettings.<Solver>builder().proportion(0.5)
 *             .onAllocationReady(Solver::arraysReady).build());     // keep it: it holds the hooks
 *     mm.queueRequest(solver, Map.of("state", ArrayRequest.of(FLOAT64, 101, 3, 1_000_000)));
 *     ChunkPlan plan = mm.allocateQueue(solver);   // calls solver.arraysReady(response)
 * }
 * }</pre>
 *
 * <p>A stream group's queue is planned as one batch: its owners (typically one solver's input and output
 * managers) queue requests for the same runs, and one of them calls {@link #allocateQueue}. Independent batches
 * belong in different groups.
 *
 * <p>Thread-safe: every operation holds the manager's lock; hooks run on the calling thread under it.
 */
public final class MemoryManager implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MemoryManager.class);
    /** Share of total memory that must stay in the auto pool while auto owners exist. */
    public static final double MIN_AUTO_POOL = Proportions.MIN_AUTO_POOL;

    private static MemoryManager defaultManager;

    /** Something still allocated when the manager closed. */
    public record Leak(String owner, String label, long bytes, MemoryKind kind) {
        @Override
        public String toString() {
            return "owner '" + owner + "' label '" + label + "' (" + Bytes.format(bytes) + " " + kind.name().toLowerCase() + ")";
        }
    }

    private final DeviceRuntime runtime;
    private final boolean ownsRuntime;
    private final long totalBytes;
    private final Owners owners;
    private final StreamGroups<OwnerEntry.Key> groups;
    private final GroupAllocation allocation;
    private final HostMemory host;
    /** Pinned host memory: the staging pool, owners' staging buffers and PINNED requests, bounded together. */
    private final PinnedMemory pinned;
    private boolean closed;

    MemoryManager(MemoryManagerBuilder b) {
        this.runtime = b.runtime;
        this.ownsRuntime = b.ownsRuntime;
        this.totalBytes = runtime.memoryInfo().totalBytes();
        this.owners = new Owners(totalBytes);
        this.groups = new StreamGroups<>(runtime);
        DeviceAllocator allocator = DeviceAllocator.of(b.allocator != null ? b.allocator
                : runtime.prefersPooledBuffers() ? AllocatorKind.POOLED : AllocatorKind.DEFAULT, runtime);
        this.pinned = new PinnedMemory(runtime, b.stagingBlockBytes, b.stagingBlocks, b.pinnedLimitBytes, HostInfo.physicalMemoryBytes());
        this.host = new HostMemory(runtime, b.hostSpillThresholdBytes >= 0 ? b.hostSpillThresholdBytes
                : HostArrays.defaultSpillThresholdBytes(HostInfo.physicalMemoryBytes()),
                b.spillDirectory != null ? b.spillDirectory : Path.of(System.getProperty("java.io.tmpdir")), pinned);
        this.allocation = new GroupAllocation(runtime, totalBytes, owners, groups, pinned, allocator, b.limitMode);
        LOG.info("memory: runtime {}, device {}, total {}, limit mode {}, allocator {}", runtime.name(), runtime.deviceName(),
                Bytes.format(totalBytes), b.limitMode.name().toLowerCase(), allocator.kind());
    }

    /** A builder over {@code runtime}; the manager does not close a runtime it was given. */
    public static MemoryManagerBuilder builder(DeviceRuntime runtime) {
        return new MemoryManagerBuilder(runtime);
    }

    /** The process-wide manager on the best runtime available ({@code auto}); created on first use. */
    public static synchronized MemoryManager getDefault() {
        if (defaultManager == null || defaultManager.closed) {
            MemoryManagerBuilder b = new MemoryManagerBuilder(DeviceRuntimes.open("auto", 0));
            b.ownsRuntime = true;
            defaultManager = b.build();
        }
        return defaultManager;
    }

    /** The device runtime whose memory this manager hands out. */
    public DeviceRuntime runtime() {
        return runtime;
    }

    /** Total device memory, read once when the manager was built. */
    public long totalBytes() {
        return totalBytes;
    }

    // ---------------------------------------------------------------- registration and proportions

    /**
     * Registers {@code owner}. Rejected, with nothing registered, when the owner is registered already or its
     * proportion does not fit beside the others.
     *
     * <p>The manager holds the owner weakly, and its hooks only through the returned {@link Registration}: an
     * owner with hooks keeps the handle (in a field) for as long as it is registered. Then the owner is purged
     * once collected, whatever its hooks capture.
     */
    public synchronized <O> Registration register(O owner, OwnerSettings<? super O> settings) {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(settings, "settings");
        checkOpen();
        expunge();
        Registration registration = new Registration(this, owner, settings);
        OwnerEntry e = owners.add(owner, settings, registration);
        groups.add(e.key, settings.streamGroup());
        LOG.debug("registered {} in group '{}' with proportion {}", e, settings.streamGroup(), e.proportion);
        return registration;
    }

    /** Whether {@code owner} is registered with this manager. */
    public synchronized boolean isRegistered(Object owner) {
        expunge();
        return owners.contains(owner);
    }

    /** Frees the owner's arrays and forgets it. */
    public synchronized void unregister(Object owner) {
        OwnerEntry e = entry(owner);
        allocation.releaseAll(e);
        drop(e);
    }

    /** Caps {@code owner} at {@code proportion} of total memory (always enforced: the user asked for it). */
    public synchronized void setManualProportion(Object owner, double proportion) {
        Proportions.checkProportion(proportion);
        owners.setManual(entry(owner), proportion);
    }

    /** Moves {@code owner} into the auto pool, which shares what manual owners leave equally. */
    public synchronized void setAutoProportion(Object owner) {
        owners.setAuto(entry(owner));
    }

    /** The owner's effective proportion of total memory. */
    public synchronized double proportion(Object owner) {
        return entry(owner).proportion;
    }

    /** The owner's cap in bytes ({@code floor(proportion x total)}). */
    public synchronized long capBytes(Object owner) {
        return entry(owner).capBytes;
    }

    // ---------------------------------------------------------------- modes and allocators

    /** Whether owners' caps limit their allocations (active) or only the device's free memory does (passive). */
    public synchronized LimitMode limitMode() {
        return allocation.limitMode();
    }

    /** Sets whether owners' caps limit their allocations from now on. */
    public synchronized void setLimitMode(LimitMode mode) {
        allocation.limitMode(Objects.requireNonNull(mode, "mode"));
    }

    /** The allocator in use (default or pooled). */
    public synchronized AllocatorKind allocator() {
        return allocation.allocator().kind();
    }

    /**
     * Switches the allocator: frees everything, calls every invalidate hook, and recreates the streams, so that
     * nothing keeps using a buffer of the old allocator. A runtime that cannot offer {@code kind} says so and
     * nothing changes.
     */
    public synchronized void setAllocator(AllocatorKind kind) {
        checkOpen();
        expunge();
        allocation.switchAllocator(kind);
    }

    /** Frees every owner's arrays, calls every invalidate hook, forgets queued requests and recreates streams. */
    public synchronized void invalidateAll() {
        expunge();
        allocation.invalidateAll();
    }

    // ---------------------------------------------------------------- streams

    /** The stream of the owner's group. */
    public synchronized DeviceStream stream(Object owner) {
        return groups.streamOf(entry(owner).key);
    }

    /** The name of the stream group {@code owner} belongs to. */
    public synchronized String streamGroup(Object owner) {
        return groups.groupOf(entry(owner).key);
    }

    /** Moves the owner to another stream group; requests it had queued are dropped. */
    public synchronized void changeStreamGroup(Object owner, String group) {
        OwnerEntry e = entry(owner);
        String old = groups.groupOf(e.key);
        groups.move(e.key, group);
        allocation.unqueue(e, old);
    }

    /** Live owners in {@code group}, in the order they joined. */
    public synchronized List<Object> streamGroupMembers(String group) {
        expunge();
        return groups.members(group).stream().map(OwnerEntry.Key::get).filter(Objects::nonNull).toList();
    }

    /** Closes every stream after its work and creates new ones on next use. */
    public synchronized void recreateStreams() {
        groups.recreateStreams();
    }

    // ---------------------------------------------------------------- queue and allocate

    /** Stores the owner's requests in its stream group; a later call replaces them. */
    public synchronized void queueRequest(Object owner, Map<String, ArrayRequest> requests) {
        allocation.queue(entry(owner), requests);
    }

    /**
     * Plans chunks for everything queued in the owner's stream group at once, allocates (replacing what the
     * requesters held), and answers each requester's allocation-ready hook; members of the group with nothing
     * queued learn the plan through an empty response. With nothing queued, the group's last plan is sent again.
     *
     * @throws MemoryLimitExceededException when the batch cannot be planned or allocated; nothing is left allocated
     *                                      for the requesters of this call
     */
    public synchronized ChunkPlan allocateQueue(Object owner) {
        return allocate(owner).plan();
    }

    /**
     * As {@link #allocateQueue}, returning {@code owner}'s own response (its arrays, empty where it queued nothing,
     * and the plan); the hooks are answered as well.
     */
    public synchronized ArrayResponse allocate(Object owner) {
        checkOpen();
        return allocation.allocate(entry(owner));
    }

    // ---------------------------------------------------------------- free, work, eviction

    /** Frees one of the owner's arrays. */
    public synchronized void free(Object owner, String label) {
        OwnerEntry e = entry(owner);
        Allocation a = e.allocations.remove(label);
        if (a == null) {
            throw new IllegalArgumentException("label: " + label + " (expected: one of " + e.allocations.keySet()
                    + " allocated to " + e + ")");
        }
        allocation.waitForWork(e);
        allocation.release(a, groups.streamOf(e.key));
    }

    /** Frees all of the owner's arrays. */
    public synchronized void freeAll(Object owner) {
        allocation.releaseAll(entry(owner));
    }

    /** Marks the owner busy: it is not evicted while work is being submitted. */
    public synchronized void beginWork(Object owner) {
        OwnerEntry e = entry(owner);
        e.submitting = true;
        e.lastUsed = owners.tick();
    }

    /** Marks submission done; the owner stays busy until {@code completion} completes. */
    public synchronized void endWork(Object owner, DeviceEvent completion) {
        OwnerEntry e = entry(owner);
        e.submitting = false;
        e.completion = Objects.requireNonNull(completion, "completion");
    }

    // ---------------------------------------------------------------- host arrays and transfers

    /** Where a host result of {@code bytes} for {@code owner} goes: spill file, pinned or pageable. */
    public synchronized HostArrayKind chooseHostKind(Object owner, long bytes, boolean allowPinned) {
        return host.choose(entry(owner), bytes, allowPinned);
    }

    /** A host array for {@code owner}, in the kind {@link #chooseHostKind} picks (pinned not allowed). */
    public HostArray newHostArray(Object owner, ElementType type, long... shape) {
        long bytes = type.bytes();
        for (long e : shape) {
            bytes = Math.multiplyExact(bytes, e);
        }
        return newHostArray(owner, type, shape, chooseHostKind(owner, bytes, false));
    }

    /** A host array of a given kind; spill files go to the owner's spill directory, else the manager's. */
    public HostArray newHostArray(Object owner, ElementType type, long[] shape, HostArrayKind kind) {
        Path dir;
        synchronized (this) {
            dir = host.spillDirectory(entry(owner));
        }
        return host.create(type, shape, kind, dir);
    }

    /** Queues a copy from host memory to the device on the owner's stream; pageable sources go through pinned staging. */
    public void copyToDevice(Object owner, MemorySegment source, boolean sourcePinned, DeviceBuffer target, long targetOffset) {
        host.toDevice(source, sourcePinned, target, targetOffset, stream(owner));
    }

    /** Copies device memory into host memory through pinned staging; returns when the data is there. */
    public void copyToHost(Object owner, DeviceBuffer source, long sourceOffset, MemorySegment target) {
        host.toHost(source, sourceOffset, target, stream(owner));
    }

    /** The bound on pinned host memory (staging pool, owners' staging buffers and PINNED requests together). */
    public long pinnedLimitBytes() {
        return pinned.limitBytes();
    }

    /** Pinned host bytes held now: the staging pool (at its full size once used), staging buffers, PINNED arrays. */
    public long pinnedBytes() {
        return pinned.inUse();
    }

    /** The most pinned host bytes held at once since the manager was built. */
    public long peakPinnedBytes() {
        return pinned.peak();
    }

    /** Pinned bytes {@link #pinnedBuffer} can still hand out. */
    public long pinnedAvailableBytes() {
        return pinned.available();
    }

    /**
     * Pinned host memory for an owner's own staging (a solver's slice slots, say), counted and bounded with the
     * staging pool: closing the buffer returns its bytes.
     *
     * @throws MemoryLimitExceededException when the bound would be passed; size the request by {@link #pinnedAvailableBytes}
     */
    public synchronized HostBuffer pinnedBuffer(Object owner, long bytes) {
        checkOpen();
        OwnerEntry e = entry(owner);
        return pinned.buffer(bytes, e + " staging", e.stagingBytes);
    }

    /** The bounded pool of pinned staging blocks. */
    public synchronized StagingPool staging() {
        checkOpen();
        return pinned.staging();
    }

    // ---------------------------------------------------------------- counters

    /** Device bytes the owner holds. */
    public synchronized long allocatedBytes(Object owner) {
        return entry(owner).deviceBytes();
    }

    /** Pinned host bytes the owner holds: its PINNED requests and its staging buffers. */
    public synchronized long pinnedBytes(Object owner) {
        OwnerEntry e = entry(owner);
        return e.pinnedBytes() + e.stagingBytes.get();
    }

    /** Device bytes held by the members of {@code group}. */
    public synchronized long allocatedBytesInGroup(String group) {
        return groups.members(group).stream().map(owners::get).filter(java.util.Objects::nonNull).mapToLong(OwnerEntry::deviceBytes).sum();
    }

    /** Device bytes held by all owners. */
    public synchronized long allocatedBytes() {
        return owners.all().stream().mapToLong(OwnerEntry::deviceBytes).sum();
    }

    /** The allocator's counters. */
    public synchronized PoolStats poolStats() {
        return allocation.allocator().stats();
    }

    /** Releases the pool's cached blocks to the device. */
    public synchronized void trimPool() {
        allocation.allocator().trim();
    }

    /** How many times an owner's arrays were released to make room for another owner's. */
    public synchronized long evictions() {
        return allocation.evictions();
    }

    /** Chunk plans made so far. */
    public synchronized long plans() {
        return allocation.plans();
    }

    /** Owners that were collected without unregistering, and purged. */
    public synchronized long purgedOwners() {
        expunge();
        return owners.purged();
    }

    /** The owners registered now (collected owners purged first). */
    public synchronized int registeredOwners() {
        expunge();
        return owners.size();
    }

    /** Every counter at once, consistent with each other. */
    public synchronized MemoryMetrics metrics() {
        expunge();
        return new MemoryMetrics(allocatedBytes(), pinned.inUse(), pinned.peak(), pinned.limitBytes(), allocation.allocator().stats(),
                owners.size(), owners.purged(), allocation.plans(), allocation.evictions());
    }

    /** What is still allocated, by owner and label. */
    public synchronized List<Leak> outstanding() {
        return owners.all().stream().flatMap(e -> e.allocations.values().stream().map(a -> new Leak(e.name, a.label(), a.bytes(), a.kind())))
                .toList();
    }

    // ---------------------------------------------------------------- teardown

    /**
     * Frees everything and closes the streams (and the runtime, for the default manager). Idempotent.
     *
     * @throws MemoryLeakException naming owner and label of every array that was still allocated
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        expunge();
        List<Leak> leaks = outstanding();
        RuntimeException first = null;
        try {
            runtime.synchronize();
            allocation.close();
            pinned.close();
            groups.recreateStreams();
        } catch (RuntimeException e) {
            first = e;
        } finally {
            closed = true;
            if (ownsRuntime) {
                runtime.close();
            }
        }
        MemoryLeakException.throwAfterTeardown(leaks, first);
    }

    // ---------------------------------------------------------------- internals

    private OwnerEntry entry(Object owner) {
        checkOpen();
        expunge();
        return owners.get(owner);
    }

    /** Purges owners that were garbage-collected: frees their arrays and rebalances the auto pool. */
    private void expunge() {
        owners.expunge(allocation::releaseAll, this::forget);
    }

    /** Forgets {@code e}'s queue and group, and the owner. */
    private void drop(OwnerEntry e) {
        forget(e);
        owners.remove(e);
    }

    private void forget(OwnerEntry e) {
        groups.findGroupOf(e.key).ifPresent(g -> allocation.unqueue(e, g));
        groups.remove(e.key);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the memory manager is closed");
        }
    }
}
