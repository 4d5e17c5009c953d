package org.tornadobatch.solver.run;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntFunction;

import org.tornadobatch.FirstFailure;
import org.tornadobatch.device.Kernel;
import org.tornadobatch.memory.ElementType;
import org.tornadobatch.memory.MemoryManager;
import org.tornadobatch.memory.host.HostArray;
import org.tornadobatch.solver.Batch;
import org.tornadobatch.solver.ResultStore;
import org.tornadobatch.solver.SolveResult;
import org.tornadobatch.solver.TimeSpec;
import org.tornadobatch.solver.kernel.KernelSpec;

/**
 * What every run of one solve shares, made once by the solver ({@code org.tornadobatch.solver.Solver}): the
 * solver's setting, the batch and time span, the kernel's spec, the variables, the schedule, the compiled kernel,
 * when compiling started and took, and where the result arrays come from ({@code store}; null: the memory
 * manager). The pipeline gets all it needs from here and never calls the solver.
 */
public record SolveJob(Setting solver, Batch batch, TimeSpec time, KernelSpec spec, Variables vars, Schedule schedule, Kernel kernel,
                       double compileMillis, long started, ResultStore store) {

    /**
     * What a solve takes from its solver: the memory manager, the algorithm's name and the outputs asked for (for the
     * result's info), the shared drivers' table ({@code KernelArg.DRIVERS}; null without shared drivers), the per-run
     * drivers' rows (the runs fastest, read after the parameters; null without per-run drivers), threads
     * per block (0: the runtime chooses), the solver's own memory owner, and a maker of owners for the parts of a
     * split solve (the part's index to a new owner, which the pipeline closes).
     */
    public record Setting(MemoryManager memory, String algorithm, String outputs, double[] drivers, double[][] runDrivers, int blockSize, SolverPart self, IntFunction<SolverPart> parts) {
    }

    /** The result arrays of the whole batch on the host (label to array), and the per-run status and step counts. */
    record Results(Map<String, HostArray> arrays, HostArray perRun) {
        /** Frees them all (after a failure; a result closes them otherwise). */
        void close() {
            FirstFailure f = new FirstFailure();
            arrays.values().forEach(h -> f.run(h::close));
            if (perRun != null) {
                f.run(perRun::close);
            }
            f.rethrow();
        }
    }

    /**
     * Allocates the result arrays for {@code owner}, before any device memory: a result that neither memory nor the
     * spill disk can hold is refused at once. On failure nothing stays allocated.
     */
    Results allocateResults(MemoryManager memory, Object owner) {
        Map<String, HostArray> arrays = new LinkedHashMap<>();
        HostArray perRun = null;
        boolean ok = false;
        try {
            for (Map.Entry<String, long[]> o : BatchRun.outputShapes(spec, vars, schedule, batch.runs()).entrySet()) {
                ElementType type = BatchRun.output(o.getKey()).element(spec.precision());
                HostArray stored = store == null ? null : store.array(o.getKey(), type, o.getValue());
                arrays.put(o.getKey(), stored != null ? stored : memory.newHostArray(owner, type, o.getValue()));
            }
            perRun = memory.newHostArray(owner, ElementType.INT32, SolveResult.PER_RUN_ROWS, batch.runs());
            ok = true;
            return new Results(arrays, perRun);
        } finally {
            if (!ok) {
                new Results(arrays, perRun).close();
            }
        }
    }
}
