package org.tornadobatch.solver.run;

import java.util.function.Consumer;

import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.device.Kernel;
import org.tornadobatch.memory.ChunkPlan;
import org.tornadobatch.solver.ProgressListener;
import org.tornadobatch.solver.SolveResult;

/**
 * A solve made ready but not yet run ({@code Solver.prepare}): its kernel compiled, its chunks planned by the
 * memory manager, its device arrays allocated and its result arrays on the host. A runtime's own API can build
 * on it (the tornado-vm module's {@code IntegratorTask} adds the kernel to a user's TornadoVM task graph) before
 * {@link #run()} moves the chunks through. Closing a prepared solve that was not run frees everything; a solver
 * holds at most one at a time.
 */
public final class PreparedSolve implements AutoCloseable {
    private final BatchRun run;
    private final Consumer<PreparedSolve> finished;
    private boolean used;

    private PreparedSolve(BatchRun run, Consumer<PreparedSolve> finished) {
        this.run = run;
        this.finished = finished;
    }

    /**
     * Prepares {@code job}'s whole batch as one run in the solver's own memory owner; {@code finished} is told when
     * the prepared solve was run or closed. On failure nothing stays allocated.
     */
    public static PreparedSolve prepare(SolveJob job, ProgressListener progress, Consumer<PreparedSolve> finished) {
        BatchRun run = new BatchRun(job, job.solver().self(), progress, 0, job.batch().runs(), null);
        run.prepare();
        return new PreparedSolve(run, finished);
    }

    /** The compiled kernel, in the runtime's language. */
    public Kernel kernel() {
        return run.kernel();
    }

    /** The runtime the device arrays live on. */
    public DeviceRuntime runtime() {
        return run.runtime();
    }

    /** How the memory manager split the batch. */
    public ChunkPlan chunkPlan() {
        return run.plan();
    }

    /**
     * The arguments of a launch over the first chunk's runs, by {@link org.tornadobatch.solver.kernel.KernelArg}'s
     * labels: the device arrays (absent for outputs the solve does not make) and the scalars.
     */
    public org.tornadobatch.device.LaunchArguments launchArguments() {
        return run.firstLaunch();
    }

    /** Runs the chunks (inputs in, the kernel, outputs back) and returns the result; once. */
    public SolveResult run() {
        if (used) {
            throw new IllegalStateException("this prepared solve was already run or closed; prepare another");
        }
        used = true;
        try {
            return run.run();
        } finally {
            finished.accept(this);
        }
    }

    /** Frees the device and host arrays of a solve that was not run; after {@link #run()} it does nothing. */
    @Override
    public void close() {
        if (used) {
            return;
        }
        used = true;
        try {
            run.release(false);
        } finally {
            finished.accept(this);
        }
    }
}
