package org.tornadobatch.solver.kernel;

import java.util.List;

/**
 * What a kernel is specialised for about the system's drivers: their names in the system's order, the degree of
 * the polynomial pieces, the number of pieces, whether the table repeats ({@code wrap}) or holds its ends, and
 * the sampling ({@code t0}, {@code dt}). The coefficients themselves are the kernel's {@code drivers} array.
 */
public record DriverTable(List<String> names, int degree, int segments, boolean wrap, double t0, double dt) {
    public DriverTable {
        names = List.copyOf(names);
    }
}
