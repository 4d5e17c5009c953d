package org.tornadobatch.memory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tornadobatch.Bytes;
import org.tornadobatch.FirstFailure;
import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.device.DeviceStream;
import org.tornadobatch.device.OutOfDeviceMemoryException;
import org.tornadobatch.memory.internal.DeviceAllocator;

/**
 * The memory manager's group allocation: the requests queued per stream group, planning a group's batch against
 * what it may use ({@link AllocationOutcome}: the device, the group's caps, or one owner's cap), allocating through
 * the allocator, evicting idle owners under shortage, and freeing. Guarded by the manager's lock.
 */
final class GroupAllocation {
    private static final Logger LOG = LoggerFactory.getLogger(MemoryManager.class);

    private final DeviceRuntime runtime;
    private final long totalBytes;
    private final Owners owners;
    private final StreamGroups<OwnerEntry.Key> groups;
    private final PinnedMemory pinned;
    private final Map<String, Map<OwnerEntry.Key, Map<String, ArrayRequest>>> queues = new HashMap<>();
    private final Map<String, ChunkPlan> lastPlans = new HashMap<>();
    private DeviceAllocator allocator;
    private LimitMode limitMode;
    private long plans;
    private long evictions;

    GroupAllocation(DeviceRuntime runtime, long totalBytes, Owners owners, StreamGroups<OwnerEntry.Key> groups, PinnedMemory pinned,
                    DeviceAllocator allocator, LimitMode limitMode) {
        this.runtime = runtime;
        this.totalBytes = totalBytes;
        this.owners = owners;
        this.groups = groups;
        this.pinned = pinned;
        this.allocator = allocator;
        this.limitMode = limitMode;
    }

    DeviceAllocator allocator() {
        return allocator;
    }

    LimitMode limitMode() {
        return limitMode;
    }

    void limitMode(LimitMode m) {
        this.limitMode = m;
    }

    long plans() {
        return plans;
    }

    long evictions() {
        return evictions;
    }

    /** Stores {@code e}'s requests (checked, copied) in its group's queue, replacing what it queued before. */
    void queue(OwnerEntry e, Map<String, ArrayRequest> requests) {
        java.util.Objects.requireNonNull(requests, "requests");
        if (requests.isEmpty()) {
            throw new IllegalArgumentException("requests: empty (expected: at least one labelled ArrayRequest)");
        }
        Map<String, ArrayRequest> copy = new LinkedHashMap<>();
        requests.forEach((label, r) -> {
            if (label == null || label.isBlank()) {
                throw new IllegalArgumentException("label: '" + label + "' (expected: a non-blank name)");
            }
            copy.put(label, java.util.Objects.requireNonNull(r, () -> "request for '" + label + "'"));
        });
        queues.computeIfAbsent(groups.groupOf(e.key), g -> new LinkedHashMap<>()).put(e.key, copy);
    }

    /** Drops what {@code e} queued in {@code group}. */
    void unqueue(OwnerEntry e, String group) {
        Map<OwnerEntry.Key, Map<String, ArrayRequest>> q = queues.get(group);
        if (q != null) {
            q.remove(e.key);
        }
    }

    /** Frees every owner's arrays, calls every invalidate hook, forgets queued requests and recreates streams. */
    void invalidateAll() {
        runtime.synchronize();
        owners.all().forEach(this::releaseAll);
        queues.clear();
        lastPlans.clear();
        groups.recreateStreams();
        for (OwnerEntry e : List.copyOf(owners.all())) {
            e.invalidate();
        }
    }

    /** Switches to a new allocator of {@code kind} (see {@link MemoryManager#setAllocator}). */
    void switchAllocator(AllocatorKind kind) {
        if (kind == allocator.kind()) {
            return;
        }
        DeviceAllocator next = DeviceAllocator.of(kind, runtime);
        invalidateAll();
        allocator.close();
        allocator = next;
        LOG.info("memory: allocator switched to {}; every owner was invalidated", kind);
    }

    /** Frees every owner's arrays and closes the allocator (the manager's teardown). */
    void close() {
        owners.all().forEach(this::releaseAll);
        allocator.close();
    }

    /**
     * Plans and allocates everything queued in {@code trigger}'s group (see {@link MemoryManager#allocateQueue}),
     * answering the hooks; returns {@code trigger}'s own response.
     */
    ArrayResponse allocate(OwnerEntry trigger) {
        String group = groups.groupOf(trigger.key);
        Map<OwnerEntry.Key, Map<String, ArrayRequest>> queued = queues.remove(group);
        if (queued == null || queued.isEmpty()) {
            ChunkPlan last = lastPlans.get(group);
            if (last == null) {
                throw new IllegalStateException("nothing queued in stream group '" + group + "'; call queueRequest first");
            }
            for (OwnerEntry.Key k : groups.members(group)) {
                owners.get(k).ready(new ArrayResponse(Map.of(), last));
            }
            return new ArrayResponse(Map.of(), last);
        }
        List<OwnerEntry> requesters = new ArrayList<>();
        Map<String, ArrayRequest> all = new LinkedHashMap<>();
        for (Map.Entry<OwnerEntry.Key, Map<String, ArrayRequest>> q : queued.entrySet()) {
            OwnerEntry e = owners.get(q.getKey());
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
            m.getKey().lastUsed = owners.tick();
        }
        lastPlans.put(group, plan);
        for (OwnerEntry e : made.keySet()) {
            e.ready(new ArrayResponse(made.get(e), plan));
        }
        for (OwnerEntry.Key k : groups.members(group)) {
            OwnerEntry e = owners.get(k);
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
            OwnerEntry e = owners.get(k);
            if (e == null || (!enforceAll && !e.isManual())) {
                continue;
            }
            long used = requesters.contains(e) ? 0 : e.deviceBytes();
            headroom += Math.max(0, e.capBytes - used);
            caps += e.capBytes;
            members++;
        }
        if (enforceAll && headroom < Proportions.MIN_AUTO_POOL * caps) {
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

    /** Evicts idle owners, oldest first, until {@code neededBytes} are released; returns the bytes released. */
    long evictIdle(long neededBytes, Set<OwnerEntry> protect) {
        List<OwnerEntry> candidates = new ArrayList<>();
        for (OwnerEntry e : owners.all()) {
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

    /** Waits for {@code e}'s work, unless frees are stream-ordered (they then wait on the stream). */
    void waitForWork(OwnerEntry e) {
        if (allocator.kind() != AllocatorKind.ASYNC) {
            e.completion.synchronize();
        }
    }

    /** Frees every array of {@code e}, after its work. */
    void releaseAll(OwnerEntry e) {
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

    void release(Allocation a, DeviceStream stream) {
        if (a.kind() == MemoryKind.PINNED) {
            a.host().close();
            pinned.release(a.bytes());
        } else {
            allocator.free(a.device(), stream);
        }
    }
}
