package org.tornadobatch.memory;

import java.lang.foreign.MemorySegment;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tornadobatch.Bytes;
import org.tornadobatch.FirstFailure;
import org.tornadobatch.device.DeviceBuffer;
import org.tornadobatch.device.DeviceEvent;
import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.device.DeviceRuntimes;
import org.tornadobatch.device.DeviceStream;
import org.tornadobatch.device.HostBuffer;
import org.tornadobatch.device.HostMemoryKind;
import org.tornadobatch.device.OutOfDeviceMemoryException;
import org.tornadobatch.device.jvm.HostInfo;
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
    private final Map<OwnerEntry.Key, OwnerEntry> entries = new LinkedHashMap<>();
    private final ReferenceQueue<Object> collected = new ReferenceQueue<>();
    private final StreamGroups<OwnerEntry.Key> groups;
    private final Map<String, Map<OwnerEntry.Key, Map<String, ArrayRequest>>> queues = new HashMap<>();
    private final Map<String, ChunkPlan> lastPlans = new HashMap<>();
    private final HostArrays hostArrays;
    private final long hostSpillThresholdBytes;
    private final Path spillDirectory;
    /** Pinned host memory: the staging pool, owners' staging buffers and PINNED requests, bounded together. */
    private final PinnedMemory pinned;
    private LimitMode limitMode;
    private DeviceAllocator allocator;
    private long clock;
    private long evictions;
    private long plans;
    private long purged;
    private boolean closed;

    private MemoryManager(Builder b) {
        this.runtime = b.runtime;
        this.ownsRuntime = b.ownsRuntime;
        this.totalBytes = runtime.memoryInfo().totalBytes();
        this.groups = new StreamGroups<>(runtime);
        this.hostArrays = new HostArrays(runtime);
        this.limitMode = b.limitMode;
        this.allocator = DeviceAllocator.of(b.allocator != null ? b.allocator
                : runtime.prefersPooledBuffers() ? AllocatorKind.POOLED : AllocatorKind.DEFAULT, runtime);
        this.hostSpillThresholdBytes = b.hostSpillThresholdBytes >= 0 ? b.hostSpillThresholdBytes
                : HostArrays.defaultSpillThresholdBytes(HostInfo.physicalMemoryBytes());
        this.spillDirectory = b.spillDirectory != null ? b.spillDirectory : Path.of(System.getProperty("java.io.tmpdir"));
        this.pinned = new PinnedMemory(runtime, b.stagingBlockBytes, b.stagingBlocks, b.pinnedLimitBytes, HostInfo.physicalMemoryBytes());
        LOG.info("memory: runtime {}, device {}, total {}, limit mode {}, allocator {}", runtime.name(), runtime.deviceName(),
                Bytes.format(totalBytes), limitMode.name().toLowerCase(), allocator.kind());
    }

    /** A builder over {@code runtime}; the manager does not close a runtime it was given. */
    public static Builder builder(DeviceRuntime runtime) {
        return new Builder(runtime);
    }

    /** The process-wide manager on the best runtime available ({@code auto}); created on first use. */
    public static synchronized MemoryManager getDefault() {
        if (defaultManager == null || defaultManager.closed) {
            Builder b = new Builder(DeviceRuntimes.open("auto", 0));
            b.ownsRuntime = true;
            defaultManager = b.build();
        }
        return defaultManager;
    }

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
        if (entries.containsKey(lookup(owner))) {
            throw new IllegalStateException("owner " + OwnerEntry.describe(owner, settings.name()) + " is already registered");
        }
        double manual = settings.proportion().orElse(Double.NaN);
        if (Double.isNaN(manual)) {
            checkAutoJoin(null);
        } else {
            checkManual(manual, null);
        }
        OwnerEntry.Key key = new OwnerEntry.Key(owner, collected);
        Registration registration = new Registration(this, owner, settings);
        OwnerEntry e = new OwnerEntry(key, registration, manual, ++clock);
        groups.add(key, settings.streamGroup());
        entries.put(key, e);
        rebalance();
        LOG.debug("registered {} in group '{}' with proportion {}", e, settings.streamGroup(), e.proportion);
        return registration;
    }

    public synchronized boolean isRegistered(Object owner) {
        expunge();
        return entries.containsKey(lookup(owner));
    }

    /** Frees the owner's arrays and forgets it. */
    public synchronized void unregister(Object owner) {
        OwnerEntry e = entry(owner);
        releaseAll(e);
        drop(e);
        rebalance();
    }

    /** Caps {@code owner} at {@code proportion} of total memory (always enforced: the user asked for it). */
    public synchronized void setManualProportion(Object owner, double proportion) {
        Proportions.checkProportion(proportion);
        OwnerEntry e = entry(owner);
        checkManual(proportion, e);
        e.manualProportion = proportion;
        rebalance();
    }

    /** Moves {@code owner} into the auto pool, which shares what manual owners leave equally. */
    public synchronized void setAutoProportion(Object owner) {
        OwnerEntry e = entry(owner);
        if (!e.isManual()) {
            return;
        }
        checkAutoJoin(e);
        e.manualProportion = Double.NaN;
        rebalance();
    }

    /** The owner's effective proportion of total memory. */
    public synchronized double proportion(Object owner) {
        return entry(owner).proportion;
    }

    /** The owner's cap in bytes ({@code floor(proportion x total)}). */
    public synchronized long capBytes(Object owner) {
        return entry(owner).capBytes;
    }

    private void checkManual(double p, OwnerEntry self) {
        Proportions.checkManual(entries.values(), p, self);
    }

    private void checkAutoJoin(OwnerEntry self) {
        Proportions.checkAutoJoin(entries.values(), self);
    }

    private void rebalance() {
        Proportions.rebalance(entries.values(), totalBytes);
    }

    // ---------------------------------------------------------------- modes and allocators

    public synchronized LimitMode limitMode() {
        return limitMode;
    }

    public synchronized void setLimitMode(LimitMode mode) {
        this.limitMode = Objects.requireNonNull(mode, "mode");
    }

    public synchronized AllocatorKind allocator() {
        return allocator.kind();
    }

    /**
     * Switches the allocator: frees everything, calls every invalidate hook, and recreates the streams, so that
     * nothing keeps using a buffer of the old allocator. A runtime that cannot offer {@code kind} says so and
     * nothing changes.
     */
    public synchronized void setAllocator(AllocatorKind kind) {
        checkOpen();
        if (kind == allocator.kind()) {
            return;
        }
        DeviceAllocator next = DeviceAllocator.of(kind, runtime);
        invalidateAll();
        allocator.close();
        allocator = next;
        LOG.info("memory: allocator switched to {}; every owner was invalidated", kind);
    }

    /** Frees every owner's arrays, calls every invalidate hook, forgets queued requests and recreates streams. */
    public synchronized void invalidateAll() {
        expunge();
        runtime.synchronize();
        for (OwnerEntry e : entries.values()) {
            releaseAll(e);
        }
        queues.clear();
        lastPlans.clear();
        groups.recreateStreams();
        for (OwnerEntry e : List.copyOf(entries.values())) {
            e.invalidate();
        }
    }

    // ---------------------------------------------------------------- streams

    /** The stream of the owner's group. */
    public synchronized DeviceStream stream(Object owner) {
        return groups.streamOf(entry(owner).key);
    }

    public synchronized String streamGroup(Object owner) {
        return groups.groupOf(entry(owner).key);
    }

    /** Moves the owner to another stream group; requests it had queued are dropped. */
    public synchronized void changeStreamGroup(Object owner, String group) {
        OwnerEntry e = entry(owner);
        String old = groups.groupOf(e.key);
        groups.move(e.key, group);
        Map<OwnerEntry.Key, Map<String, ArrayRequest>> q = queues.get(old);
        if (q != null) {
            q.remove(e.key);
        }
    }

    /** Live owners in {@code group}, in the order they joined. */
    public synchronized List<Object> streamGroupMembers(String group) {
        expunge();
        List<Object> out = new ArrayList<>();
        for (OwnerEntry.Key k : groups.members(group)) {
            Object o = k.get();
            if (o != null) {
                out.add(o);
            }
        }
        return out;
    }

    /** Closes every stream after its work and creates new ones on next use. */
    public synchronized void recreateStreams() {
        groups.recreateStreams();
    }

    // ---------------------------------------------------------------- queue and allocate

    /** Stores the owner's requests in its stream group; a later call replaces them. */
    public synchronized void queueRequest(Object owner, Map<String, ArrayRequest> requests) {
        OwnerEntry e = entry(owner);
        Objects.requireNonNull(requests, "requests");
        if (requests.isEmpty()) {
            throw new IllegalArgumentException("requests: empty (expected: at least one labelled ArrayRequest)");
        }
        Map<String, ArrayRequest> copy = new LinkedHashMap<>();
        requests.forEach((label, r) -> {
            if (label == null || label.isBlank()) {
                throw new IllegalArgumentException("label: '" + label + "' (expected: a non-blank name)");
            }
            copy.put(label, Objects.requireNonNull(r, () -> "request for '" + label + "'"));
        });
        queues.computeIfAbsent(groups.groupOf(e.key), g -> new LinkedHashMap<>()).put(e.key, copy);
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
        OwnerEntry trigger = entry(owner);
        String group = groups.groupOf(trigger.key);
        Map<OwnerEntry.Key, Map<String, ArrayRequest>> queued = queues.remove(group);
        if (queued == null || queued.isEmpty()) {
            ChunkPlan last = lastPlans.get(group);
            if (last == null) {
                throw new IllegalStateException("nothing queued in stream group '" + group + "'; call queueRequest first");
            }
            for (OwnerEntry.Key k : groups.members(group)) {
                entries.get(k).ready(new ArrayResponse(Map.of(), last));
            }
            return new ArrayResponse(Map.of(), last);
        }
        List<OwnerEntry> requesters = new ArrayList<>();
        Map<String, ArrayRequest> all = new LinkedHashMap<>();
        for (Map.Entry<OwnerEntry.Key, Map<String, ArrayRequest>> q : queued.entrySet()) {
            OwnerEntry e = entries.get(q.getKey());
            if (e == null) {
                continue; // collected since it queued
            }
            requesters.add(e);
            q.getValue().forEach((label, r) -> all.put(e.name + "/" + label, r));
        }
        if (requesters.isEmpty()) {
            throw new IllegalStateException("nothing queued in stream group '" + group + "' by a live owner");
        }
        long requested = ChunkPlanner.deviceBytes(all);
        AllocationOutcome outcome = availableFor(group, requesters, requested);
        ChunkPlan plan;
        try {
            plan = ChunkPlanner.plan(all, outcome.availableBytes());
        } catch (MemoryLimitExceededException e) {
            throw e.withOutcome(outcome);
        }
        plans++;
        for (String w : plan.warnings()) {
            LOG.warn("memory: {}", w);
        }
        LOG.debug("memory plan for group '{}': {}", group, plan);

        for (OwnerEntry e : requesters) {
            releaseAll(e);
        }
        DeviceStream stream = groups.stream(group);
        Map<OwnerEntry, Map<String, Allocation>> made = new LinkedHashMap<>();
        try {
            for (OwnerEntry e : requesters) {
                Map<String, Allocation> mine = new LinkedHashMap<>();
                made.put(e, mine);
                for (Map.Entry<String, ArrayRequest> q : queued.get(e.key).entrySet()) {
                    mine.put(q.getKey(), allocate(e, q.getKey(), q.getValue(), plan.chunkLength(), stream, requesters));
                }
            }
        } catch (RuntimeException ex) {
            for (Map<String, Allocation> m : made.values()) {
                for (Allocation a : m.values()) {
                    try {
                        release(a, stream);
                    } catch (RuntimeException suppressed) {
                        ex.addSuppressed(suppressed);
                    }
                }
            }
            // The requesters' previous arrays were released: tell them.
            for (OwnerEntry e : requesters) {
                e.invalidate();
            }
            if (ex instanceof OutOfDeviceMemoryException oom) {
                throw new MemoryLimitExceededException(MemoryLimitExceededException.Reason.ALLOCATION_FAILED,
                        "allocation failed after planning " + plan + ": " + oom.getMessage(), plan.chunkableBytes(),
                        plan.unchunkableBytes(), plan.availableBytes());
            }
            throw ex;
        }
        for (Map.Entry<OwnerEntry, Map<String, Allocation>> m : made.entrySet()) {
            m.getKey().allocations.putAll(m.getValue());
            m.getKey().lastUsed = ++clock;
        }
        lastPlans.put(group, plan);
        for (OwnerEntry e : made.keySet()) {
            e.ready(new ArrayResponse(made.get(e), plan));
        }
        for (OwnerEntry.Key k : groups.members(group)) {
            OwnerEntry e = entries.get(k);
            if (e != null && !made.containsKey(e)) {
                e.ready(new ArrayResponse(Map.of(), plan));
            }
        }
        return new ArrayResponse(made.getOrDefault(trigger, Map.of()), plan);
    }

    /**
     * What the group may use for a request of {@code requestedBytes}: the device's free memory, plus what the
     * requesters hold and will replace, plus the pool's cache; evicting idle owners under physical shortage;
     * limited by the caps' headroom in active mode or when every requester has an explicit proportion.
     */
    private AllocationOutcome availableFor(String group, List<OwnerEntry> requesters, long requestedBytes) {
        long replaced = 0;
        for (OwnerEntry e : requesters) {
            replaced += e.deviceBytes();
        }
        long free = runtime.memoryInfo().freeBytes() + replaced + allocator.cachedBytes();
        if (requestedBytes > free && allocator.pendingFreeBytes() > 0) {
            // Stream-ordered frees still queued behind work would make room a moment later: wait for them
            // rather than refuse (or chunk) a batch that fits.
            allocator.awaitFrees();
            free = runtime.memoryInfo().freeBytes() + replaced + allocator.cachedBytes();
        }
        Cap cap = capHeadroom(group, requesters);
        if (requestedBytes > free && (cap == null || requestedBytes <= cap.headroom())) {
            if (evictIdle(requestedBytes - free, new HashSet<>(requesters)) > 0) {
                allocator.awaitFrees(); // the evicted owners' frees, where they are stream-ordered
                free = runtime.memoryInfo().freeBytes() + replaced + allocator.cachedBytes();
            }
        }
        if (cap == null || free <= cap.headroom()) { // the device's total, read once when the manager was built
            return new AllocationOutcome(requestedBytes, Math.max(free, totalBytes), Math.max(0, totalBytes - free), AllocationOutcome.Level.DEVICE);
        }
        return new AllocationOutcome(requestedBytes, cap.caps(), cap.caps() - cap.headroom(),
                cap.members() == 1 ? AllocationOutcome.Level.OWNER : AllocationOutcome.Level.GROUP);
    }

    /** The caps that apply to a group's batch: their headroom, their sum, and how many owners' caps count. */
    private record Cap(long headroom, long caps, int members) {
    }

    /** The caps' headroom for the group, or null when no cap applies. */
    private Cap capHeadroom(String group, List<OwnerEntry> requesters) {
        boolean enforceAll = limitMode == LimitMode.ACTIVE;
        if (!enforceAll && !requesters.stream().allMatch(OwnerEntry::isManual)) {
            return null;
        }
        long headroom = 0;
        long caps = 0;
        int members = 0;
        for (OwnerEntry.Key k : groups.members(group)) {
            OwnerEntry e = entries.get(k);
            if (e == null || (!enforceAll && !e.isManual())) {
                continue;
            }
            long used = requesters.contains(e) ? 0 : e.deviceBytes();
            headroom += Math.max(0, e.capBytes - used);
            caps += e.capBytes;
            members++;
        }
        if (enforceAll && headroom < MIN_AUTO_POOL * caps) {
            LOG.warn("memory: stream group '{}' has used more than 95% of its allotted {}", group, Bytes.format(caps));
        }
        return new Cap(headroom, caps, members);
    }

    private Allocation allocate(OwnerEntry owner, String label, ArrayRequest r, long chunkLength, DeviceStream stream, List<OwnerEntry> protect) {
        long[] shape = r.chunkedShape(chunkLength);
        long bytes = r.chunkedBytes(chunkLength);
        if (r.memory() == MemoryKind.PINNED) {
            return new Allocation(label, r, shape, null, pinned.forRequest(bytes, owner + " label '" + label + "'"));
        }
        try {
            return new Allocation(label, r, shape, allocator.allocate(bytes, stream, owner.name + "/" + label), null);
        } catch (OutOfDeviceMemoryException e) {
            // The listener step: make room (trim the pool, evict idle owners, let queued frees land) and retry once.
            allocator.trim();
            evictIdle(bytes, new HashSet<>(protect));
            allocator.awaitFrees();
            return new Allocation(label, r, shape, allocator.allocate(bytes, stream, owner.name + "/" + label), null);
        }
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
        waitForWork(e);
        release(a, groups.streamOf(e.key));
    }

    /** Frees all of the owner's arrays. */
    public synchronized void freeAll(Object owner) {
        releaseAll(entry(owner));
    }

    /** Marks the owner busy: it is not evicted while work is being submitted. */
    public synchronized void beginWork(Object owner) {
        OwnerEntry e = entry(owner);
        e.submitting = true;
        e.lastUsed = ++clock;
    }

    /** Marks submission done; the owner stays busy until {@code completion} completes. */
    public synchronized void endWork(Object owner, DeviceEvent completion) {
        OwnerEntry e = entry(owner);
        e.submitting = false;
        e.completion = Objects.requireNonNull(completion, "completion");
    }

    /** Evicts idle owners, oldest first, until {@code neededBytes} are released; returns the bytes released. */
    private long evictIdle(long neededBytes, Set<OwnerEntry> protect) {
        List<OwnerEntry> candidates = new ArrayList<>();
        for (OwnerEntry e : entries.values()) {
            if (!protect.contains(e) && e.isIdle() && e.deviceBytes() > 0) {
                candidates.add(e);
            }
        }
        candidates.sort(Comparator.comparingLong(e -> e.lastUsed));
        long released = 0;
        for (OwnerEntry e : candidates) {
            if (released >= neededBytes) {
                break;
            }
            released += e.deviceBytes();
            releaseAll(e);
            evictions++;
            LOG.debug("memory: evicted idle owner {} ({} released so far)", e, Bytes.format(released));
            e.invalidate();
        }
        if (released > 0) {
            allocator.trim();
        }
        return released;
    }

    private void waitForWork(OwnerEntry e) {
        if (allocator.kind() != AllocatorKind.ASYNC) {
            e.completion.synchronize();
        }
    }

    private void releaseAll(OwnerEntry e) {
        if (e.allocations.isEmpty()) {
            return;
        }
        waitForWork(e);
        DeviceStream stream = groups.findGroupOf(e.key).map(groups::stream).orElse(null);
        FirstFailure failures = new FirstFailure();
        for (Allocation a : e.allocations.values()) {
            failures.run(() -> release(a, stream));
        }
        e.allocations.clear();
        failures.rethrow();
    }

    private void release(Allocation a, DeviceStream stream) {
        if (a.kind() == MemoryKind.PINNED) {
            a.host().close();
            pinned.release(a.bytes());
        } else {
            allocator.free(a.device(), stream);
        }
    }

    // ---------------------------------------------------------------- host arrays and transfers

    /** Where a host result of {@code bytes} for {@code owner} goes: spill file, pinned or pageable. */
    public synchronized HostArrayKind chooseHostKind(Object owner, long bytes, boolean allowPinned) {
        return HostArrays.choose(bytes, spillThreshold(entry(owner)), allowPinned);
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
            OwnerEntry e = entry(owner);
            dir = e.settings.spillDirectory() != null ? e.settings.spillDirectory() : spillDirectory;
        }
        return hostArrays.create(type, shape, kind, dir);
    }

    private long spillThreshold(OwnerEntry e) {
        return e.settings.hostSpillThresholdBytes().orElse(hostSpillThresholdBytes);
    }

    /** Queues a copy from host memory to the device on the owner's stream; pageable sources go through pinned staging. */
    public void copyToDevice(Object owner, MemorySegment source, boolean sourcePinned, DeviceBuffer target, long targetOffset) {
        DeviceStream s = stream(owner);
        if (sourcePinned) {
            runtime.copyToDevice(source, target, targetOffset, s);
        } else {
            staging().toDevice(source, target, targetOffset, s);
        }
    }

    /** Copies device memory into host memory through pinned staging; returns when the data is there. */
    public void copyToHost(Object owner, DeviceBuffer source, long sourceOffset, MemorySegment target) {
        staging().toHost(source, sourceOffset, target, stream(owner));
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
        long n = 0;
        for (OwnerEntry.Key k : groups.members(group)) {
            OwnerEntry e = entries.get(k);
            if (e != null) {
                n += e.deviceBytes();
            }
        }
        return n;
    }

    /** Device bytes held by all owners. */
    public synchronized long allocatedBytes() {
        long n = 0;
        for (OwnerEntry e : entries.values()) {
            n += e.deviceBytes();
        }
        return n;
    }

    /** The allocator's counters. */
    public synchronized PoolStats poolStats() {
        return allocator.stats();
    }

    /** Releases the pool's cached blocks to the device. */
    public synchronized void trimPool() {
        allocator.trim();
    }

    public synchronized long evictions() {
        return evictions;
    }

    /** Chunk plans made so far. */
    public synchronized long plans() {
        return plans;
    }

    /** Owners that were collected without unregistering, and purged. */
    public synchronized long purgedOwners() {
        expunge();
        return purged;
    }

    public synchronized int registeredOwners() {
        expunge();
        return entries.size();
    }

    /** Every counter at once, consistent with each other. */
    public synchronized MemoryMetrics metrics() {
        expunge();
        return new MemoryMetrics(allocatedBytes(), pinned.inUse(), pinned.peak(), pinned.limitBytes(), allocator.stats(), entries.size(),
                purged, plans, evictions);
    }

    /** What is still allocated, by owner and label. */
    public synchronized List<Leak> outstanding() {
        List<Leak> out = new ArrayList<>();
        for (OwnerEntry e : entries.values()) {
            for (Allocation a : e.allocations.values()) {
                out.add(new Leak(e.name, a.label(), a.bytes(), a.kind()));
            }
        }
        return out;
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
            for (OwnerEntry e : entries.values()) {
                releaseAll(e);
            }
            allocator.close();
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
        if (!leaks.isEmpty()) {
            MemoryLeakException leak = new MemoryLeakException(leaks);
            LOG.warn("memory: {}", leak.getMessage());
            if (first != null) {
                leak.addSuppressed(first);
            }
            throw leak;
        }
        if (first != null) {
            throw first;
        }
    }

    // ---------------------------------------------------------------- internals

    private static OwnerEntry.Key lookup(Object owner) {
        return new OwnerEntry.Key(Objects.requireNonNull(owner, "owner"), null);
    }

    private OwnerEntry entry(Object owner) {
        checkOpen();
        expunge();
        OwnerEntry e = entries.get(lookup(owner));
        if (e == null) {
            throw new IllegalStateException("owner " + OwnerEntry.describe(owner, null) + " is not registered; register it first");
        }
        return e;
    }

    /** Purges owners that were garbage-collected: frees their arrays and rebalances the auto pool. */
    private void expunge() {
        boolean any = false;
        for (Reference<?> r; (r = collected.poll()) != null; ) {
            OwnerEntry e = entries.get((OwnerEntry.Key) r);
            if (e == null) {
                continue;
            }
            try {
                releaseAll(e);
            } finally {
                drop(e);
                purged++;
                any = true;
            }
            LOG.debug("memory: purged collected owner {}", e);
        }
        if (any) {
            rebalance();
        }
    }

    private void drop(OwnerEntry e) {
        groups.findGroupOf(e.key).ifPresent(g -> {
            Map<OwnerEntry.Key, Map<String, ArrayRequest>> q = queues.get(g);
            if (q != null) {
                q.remove(e.key);
            }
        });
        groups.remove(e.key);
        entries.remove(e.key);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the memory manager is closed");
        }
    }

    /** Builds a {@link MemoryManager}. */
    public static final class Builder {
        private final DeviceRuntime runtime;
        private boolean ownsRuntime;
        private LimitMode limitMode = LimitMode.PASSIVE;
        private AllocatorKind allocator; // null: pooled where the runtime prefers it, else default
        private long hostSpillThresholdBytes = -1;
        private Path spillDirectory;
        private long stagingBlockBytes = StagingPool.DEFAULT_BLOCK_BYTES;
        private int stagingBlocks = StagingPool.DEFAULT_MAX_BLOCKS;
        private long pinnedLimitBytes;

        private Builder(DeviceRuntime runtime) {
            this.runtime = Objects.requireNonNull(runtime, "runtime");
        }

        public Builder limitMode(LimitMode mode) {
            this.limitMode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /** The allocator (default: {@code pooled} where the runtime {@linkplain DeviceRuntime#prefersPooledBuffers() prefers it}, else {@code default}). */
        public Builder allocator(AllocatorKind kind) {
            this.allocator = Objects.requireNonNull(kind, "allocator");
            return this;
        }

        /** Host results above this many bytes spill to memory-mapped files (default: 80% of RAM; 0: never). */
        public Builder hostSpillThresholdBytes(long bytes) {
            this.hostSpillThresholdBytes = Bytes.requireNonNegative("hostSpillThresholdBytes", bytes);
            return this;
        }

        /** Where spill files go (default: java.io.tmpdir); must exist. */
        public Builder spillDirectory(Path dir) {
            if (!java.nio.file.Files.isDirectory(dir)) {
                throw new IllegalArgumentException("spillDirectory: " + dir + " (expected: an existing directory)");
            }
            this.spillDirectory = dir;
            return this;
        }

        /**
         * The bound on pinned host memory: the staging pool, owners' staging buffers ({@link MemoryManager#pinnedBuffer})
         * and PINNED requests together (default: a quarter of the RAM, at most 4 GiB, at least twice the staging pool).
         */
        public Builder pinnedLimitBytes(long bytes) {
            this.pinnedLimitBytes = Bytes.requirePositive("pinnedLimitBytes", bytes);
            return this;
        }

        /** Pinned staging: {@code blocks} blocks of {@code blockBytes} at most (default 4 x 64 MiB). */
        public Builder staging(long blockBytes, int blocks) {
            Bytes.requirePositive("blockBytes", blockBytes);
            if (blocks < 1) {
                throw new IllegalArgumentException("blocks: " + blocks + " (expected: >= 1)");
            }
            this.stagingBlockBytes = blockBytes;
            this.stagingBlocks = blocks;
            return this;
        }

        public MemoryManager build() {
            return new MemoryManager(this);
        }
    }
}
