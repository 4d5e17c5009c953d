package org.tornadobatch.memory;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.LinkedHashMap;
import java.util.Map;

import org.tornadobatch.device.DeviceEvent;

/**
 * The manager's record of one owner. The key is a weak reference compared by the owner's identity, so the
 * registry never keeps an owner alive; the allocations are held here, so a collected owner's memory can still
 * be freed.
 */
final class OwnerEntry {

    /** A weak, identity-compared reference to an owner. */
    static final class Key extends WeakReference<Object> {
        private final int hash;

        Key(Object owner, ReferenceQueue<Object> queue) {
            super(owner, queue);
            this.hash = System.identityHashCode(owner);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) {
                return true;
            }
            if (!(o instanceof Key k)) {
                return false;
            }
            Object mine = get();
            return mine != null && mine == k.get();
        }

        @Override
        public String toString() {
            Object o = get();
            return o == null ? "<collected owner>" : describe(o, null);
        }
    }

    final Key key;
    final String name;
    /** The settings without their hooks (strongly held: they reach no owner). */
    @SuppressWarnings("rawtypes")
    final OwnerSettings settings;
    /** The hooks, through the handle the owner keeps; weak, so that hooks capturing their owner keep nothing alive. */
    private final java.lang.ref.WeakReference<Registration> registration;
    /** The registration held strongly when the owner set no hooks (nothing to capture; it need not keep the handle). */
    @SuppressWarnings("unused")
    private final Registration hookless;
    private boolean warnedHooksGone;
    /** Manual proportion, or NaN for the auto pool. */
    double manualProportion;
    /** Effective proportion (manual, or this owner's share of the auto pool). */
    double proportion;
    long capBytes;
    final Map<String, Allocation> allocations = new LinkedHashMap<>();
    /** Pinned bytes of the owner's staging buffers ({@link MemoryManager#pinnedBuffer}). */
    final java.util.concurrent.atomic.AtomicLong stagingBytes = new java.util.concurrent.atomic.AtomicLong();
    boolean submitting;
    DeviceEvent completion = DeviceEvent.COMPLETE;
    long lastUsed;

    OwnerEntry(Key key, Registration registration, double manualProportion, long lastUsed) {
        this.key = key;
        this.settings = registration.settings.withoutHooks();
        this.registration = new java.lang.ref.WeakReference<>(registration);
        this.hookless = registration.settings.hasHooks() ? null : registration;
        this.name = settings.name() != null ? settings.name() : key.toString();
        this.manualProportion = manualProportion;
        this.lastUsed = lastUsed;
    }

    /** How messages name an owner: {@code 'name'} when it has one, else {@code Class@identity}. */
    static String describe(Object owner, String name) {
        return name != null ? "'" + name + "'" : owner.getClass().getSimpleName() + "@"
                + Integer.toHexString(System.identityHashCode(owner));
    }

    boolean isManual() {
        return !Double.isNaN(manualProportion);
    }

    boolean isIdle() {
        return !submitting && completion.isComplete();
    }

    long deviceBytes() {
        return bytes(MemoryKind.DEVICE);
    }

    long pinnedBytes() {
        return bytes(MemoryKind.PINNED);
    }

    private long bytes(MemoryKind kind) {
        long n = 0;
        for (Allocation a : allocations.values()) {
            if (a.kind() == kind) {
                n += a.bytes();
            }
        }
        return n;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    void invalidate() {
        Object owner = key.get();
        OwnerSettings hooks = hooks(owner);
        if (hooks != null) {
            hooks.onInvalidate().accept(owner);
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    void ready(ArrayResponse response) {
        Object owner = key.get();
        OwnerSettings hooks = hooks(owner);
        if (hooks != null) {
            hooks.onAllocationReady().accept(owner, response);
        }
    }

    /** The owner's hooks, or null when the owner is gone or dropped its registration (warned once). */
    private OwnerSettings<?> hooks(Object owner) {
        if (owner == null) {
            return null;
        }
        Registration r = registration.get();
        if (r == null) {
            if (!warnedHooksGone) {
                warnedHooksGone = true;
                org.slf4j.LoggerFactory.getLogger(MemoryManager.class).warn("memory: owner {} dropped the Registration that register()"
                        + " returned while still registered; its hooks no longer run (keep the Registration in a field of the owner)", this);
            }
            return null;
        }
        return r.settings;
    }

    @Override
    public String toString() {
        return "'" + name + "'";
    }
}
