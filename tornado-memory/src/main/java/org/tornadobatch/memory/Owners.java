package org.tornadobatch.memory;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The memory manager's owners: held weakly (by identity), purged once collected, with their proportions kept
 * balanced ({@link Proportions}). Guarded by the manager's lock.
 */
final class Owners {
    private static final Logger LOG = LoggerFactory.getLogger(Owners.class);

    private final Map<OwnerEntry.Key, OwnerEntry> entries = new LinkedHashMap<>();
    private final ReferenceQueue<Object> collected = new ReferenceQueue<>();
    private final long totalBytes;
    private long clock;
    private long purged;

    Owners(long totalBytes) {
        this.totalBytes = totalBytes;
    }

    private static OwnerEntry.Key lookup(Object owner) {
        return new OwnerEntry.Key(Objects.requireNonNull(owner, "owner"), null);
    }

    /** Adds {@code owner}, checked against the others' proportions; the caller adds it to its stream group. */
    <O> OwnerEntry add(O owner, OwnerSettings<? super O> settings, Registration registration) {
        if (entries.containsKey(lookup(owner))) {
            throw new IllegalStateException("owner " + OwnerEntry.describe(owner, settings.name()) + " is already registered");
        }
        double manual = settings.proportion().orElse(Double.NaN);
        if (Double.isNaN(manual)) {
            Proportions.checkAutoJoin(entries.values(), null);
        } else {
            Proportions.checkManual(entries.values(), manual, null);
        }
        OwnerEntry e = new OwnerEntry(new OwnerEntry.Key(owner, collected), registration, manual, tick());
        entries.put(e.key, e);
        rebalance();
        return e;
    }

    boolean contains(Object owner) {
        return entries.containsKey(lookup(owner));
    }

    /** The entry of a registered {@code owner}. */
    OwnerEntry get(Object owner) {
        OwnerEntry e = entries.get(lookup(owner));
        if (e == null) {
            throw new IllegalStateException("owner " + OwnerEntry.describe(owner, null) + " is not registered; register it first");
        }
        return e;
    }

    /** The entry under {@code key}, or null once purged. */
    OwnerEntry get(OwnerEntry.Key key) {
        return entries.get(key);
    }

    Collection<OwnerEntry> all() {
        return entries.values();
    }

    int size() {
        return entries.size();
    }

    void setManual(OwnerEntry e, double proportion) {
        Proportions.checkManual(entries.values(), proportion, e);
        e.manualProportion = proportion;
        rebalance();
    }

    void setAuto(OwnerEntry e) {
        if (!e.isManual()) {
            return;
        }
        Proportions.checkAutoJoin(entries.values(), e);
        e.manualProportion = Double.NaN;
        rebalance();
    }

    /** Forgets {@code e} and rebalances. */
    void remove(OwnerEntry e) {
        entries.remove(e.key);
        rebalance();
    }

    /** The next value of the use clock (eviction takes the least recently used first). */
    long tick() {
        return ++clock;
    }

    long purged() {
        return purged;
    }

    /** Purges owners that were collected: {@code release} frees each one's arrays, {@code drop} forgets its queue and group. */
    void expunge(Consumer<OwnerEntry> release, Consumer<OwnerEntry> drop) {
        boolean any = false;
        for (Reference<?> r; (r = collected.poll()) != null; ) {
            OwnerEntry e = entries.get((OwnerEntry.Key) r);
            if (e == null) {
                continue;
            }
            try {
                release.accept(e);
            } finally {
                drop.accept(e);
                entries.remove(e.key);
                purged++;
                any = true;
            }
            LOG.debug("memory: purged collected owner {}", e);
        }
        if (any) {
            rebalance();
        }
    }

    private void rebalance() {
        Proportions.rebalance(entries.values(), totalBytes);
    }
}
