package org.tornadobatch.solver;

import org.tornadobatch.memory.ElementType;
import org.tornadobatch.memory.host.HostArray;

/**
 * Where a solve puts its result arrays: the solver writes each chunk's results straight into the arrays this gives,
 * so a store whose arrays are memory-mapped files (the command line's: {@code .npy} files in the results folder) has
 * the results on disk as they come, in files that are also the spill of a result larger than memory.
 */
@FunctionalInterface
public interface ResultStore {
    /**
     * The host array for result array {@code name} ({@code state}, {@code observables}, {@code state_summaries},
     * {@code observable_summaries} or {@code step_counts}) of {@code type} and {@code shape} (time or window,
     * variable, run); the result closes it. Null: the memory manager's array, as without a store.
     */
    HostArray array(String name, ElementType type, long[] shape);
}
