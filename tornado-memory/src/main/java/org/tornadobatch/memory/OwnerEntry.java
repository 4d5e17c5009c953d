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
    @SuppressWarnings("rawtypes")
    final OwnerSettings settings;
    /** Manual proportion, or NaN for the auto pool. */
    double manualProportion;
    /** Effective proportion (manual, or this owner's share of the auto pool). */
    double proportion;
    long capBytes;
    final Map<String, Allocation> allocations = new LinkedHashMap<>();
    boolean submitting;
    DeviceEvent completion = DeviceEvent.COMPLETE;
    long lastUsed;

    OwnerEntry(Key key, OwnerSettings<?> settings, double manualProportion, long lastUsed) {
        this.key = key;
        this.settings = settings;
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

    @SuppressWarnings("unchecked")
    void invalidate() {
        Object owner = key.get();
        if (owner != null) {
            settings.onInvalidate().accept(owner);
        }
    }

    @SuppressWarnings("unchecked")
    void ready(ArrayResponse response) {
        Object owner = key.get();
        if (owner != null) {
            settings.onAllocationReady().accept(owner, response);
        }
    }

    @Override
    public String toString() {
        return "'" + name + "'";
    }
}
