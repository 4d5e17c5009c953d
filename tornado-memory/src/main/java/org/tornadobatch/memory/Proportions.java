package org.tornadobatch.memory;

import java.util.Collection;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proportion rules of MEMORY.md, pure (like {@link ChunkPlanner}): manual proportions sum to at most 1,
 * at least {@link #MIN_AUTO_POOL} stays for the auto pool while auto owners exist, and auto owners share what the
 * manual ones leave equally. Works on the manager's entries; the manager holds the lock.
 */
final class Proportions {
    private static final Logger LOG = LoggerFactory.getLogger(MemoryManager.class);
    /** The smallest share of total memory the auto pool keeps while it has owners. */
    static final double MIN_AUTO_POOL = 0.05;
    private static final double EPS = 1e-9;

    private Proportions() {
    }

    static void checkProportion(double p) {
        if (!(p > 0 && p <= 1)) {
            throw new IllegalArgumentException("proportion: " + p + " (expected: 0 < proportion <= 1)");
        }
    }

    /** Sum of the manual proportions, leaving out {@code except} (null: none). */
    private static double manualSum(Collection<OwnerEntry> entries, OwnerEntry except) {
        double sum = 0;
        for (OwnerEntry o : entries) {
            if (o != except && o.isManual()) {
                sum += o.manualProportion;
            }
        }
        return sum;
    }

    /** Number of owners in the auto pool, leaving out {@code except} (null: none). */
    private static int autoCount(Collection<OwnerEntry> entries, OwnerEntry except) {
        int n = 0;
        for (OwnerEntry o : entries) {
            if (o != except && !o.isManual()) {
                n++;
            }
        }
        return n;
    }

    /** Refuses manual proportion {@code p} for {@code self} (null: a new owner) where it does not fit beside the others. */
    static void checkManual(Collection<OwnerEntry> entries, double p, OwnerEntry self) {
        checkProportion(p);
        double manual = manualSum(entries, self);
        int autos = autoCount(entries, self);
        if (manual + p > 1 + EPS) {
            throw new IllegalArgumentException("proportion: " + p + " (expected: <= " + fmt(1 - manual)
                    + "; manual owners already hold " + fmt(manual) + " of total memory)");
        }
        if (autos > 0 && manual + p > 1 - MIN_AUTO_POOL + EPS) {
            throw new IllegalArgumentException("proportion: " + p + " (expected: <= " + fmt(1 - MIN_AUTO_POOL - manual)
                    + "; at least 5% must stay in the auto pool for its " + autos + " owner(s))");
        }
        if (autos == 0 && manual + p > 1 - MIN_AUTO_POOL + EPS) {
            LOG.warn("manual proportions now total {}: less than 5% is left for owners that join the auto pool later", fmt(manual + p));
        }
    }

    /** Refuses {@code self} (null: a new owner) joining the auto pool where the manual owners leave it less than 5%. */
    static void checkAutoJoin(Collection<OwnerEntry> entries, OwnerEntry self) {
        double manual = manualSum(entries, self);
        if (1 - manual < MIN_AUTO_POOL - EPS) {
            throw new IllegalArgumentException("cannot join the auto pool: manual proportions hold " + fmt(manual)
                    + " of total memory, leaving less than 5%; lower a manual proportion or give this owner one");
        }
    }

    /** Sets every entry's effective proportion and cap of {@code totalBytes}. */
    static void rebalance(Collection<OwnerEntry> entries, long totalBytes) {
        double manual = manualSum(entries, null);
        int autos = autoCount(entries, null);
        double share = autos == 0 ? 0 : Math.max(0, 1 - manual) / autos;
        for (OwnerEntry e : entries) {
            e.proportion = e.isManual() ? e.manualProportion : share;
            e.capBytes = (long) Math.floor(e.proportion * totalBytes);
        }
    }

    private static String fmt(double p) {
        return String.format(java.util.Locale.ROOT, "%.4g", p);
    }
}
