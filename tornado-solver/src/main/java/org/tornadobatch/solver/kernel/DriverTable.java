package org.tornadobatch.solver.kernel;

import java.util.List;

/**
 * What a kernel is specialised for about the system's drivers: their names in the system's order, the degree of
 * the polynomial pieces, the number of pieces, whether the table repeats ({@code wrap}) or holds its ends, and
 * the sampling ({@code t0}, {@code dt}), and whether each run has its own. The coefficients themselves are the
 * kernel's {@code drivers} array when shared, or, per run, rows of its {@code params} array after the parameters
 * (so they are chunked and copied with them, in the solve's precision).
 */
public record DriverTable(List<String> names, int degree, int segments, boolean wrap, double t0, double dt, boolean perRun) {
    /** Copies the names. */
    public DriverTable {
        names = List.copyOf(names);
    }

    /** The coefficients per run (for each segment, driver and power): the rows a per-run table adds to {@code params}. */
    public int rows() {
        return segments * names.size() * (degree + 1);
    }
}
