package org.tornadobatch.solver;

import java.util.Locale;

/** How per-variable value lists combine into runs. */
public enum GridKind {
    /** The Cartesian product: every combination, the last variable varying fastest. */
    COMBINATORIAL,
    /** Paired columns: run i takes the i-th value of every list (lists of length 1 are broadcast). */
    VERBATIM;

    /** The kind called {@code name} ({@code combinatorial} or {@code verbatim}, any case). */
    public static GridKind of(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "combinatorial" -> COMBINATORIAL;
            case "verbatim" -> VERBATIM;
            default -> throw new IllegalArgumentException("grid: " + name + " (expected: combinatorial or verbatim)");
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
