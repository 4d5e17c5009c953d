package org.tornadobatch.solver;

import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.device.Kernel;
import org.tornadobatch.memory.ChunkPlan;

/**
 * A solve made ready but not yet run ({@link Solver#prepare}): its kernel compiled, its chunks planned by the
 * memory manager, its device arrays allocated and its result arrays on the host. A runtime's own API can build
 * on it (the tornado-vm module's {@code IntegratorTask} adds the kernel to a user's TornadoVM task graph) before
 * {@link #run()} moves the chunks through. Closing a prepared solve that was not run frees everything; a solver
 * holds at most one at a time.
 */
public final class PreparedSolve implements AutoCloseable {
    private final Solver solver;
    private final BatchRun run;
    private boolean used;

    PreparedSolve(Solver solver, BatchRun run) {
        this.solver = solver;
        this.run = run;
    }

    /** The compiled kernel, in the runtime's language. */
    public Kernel kernel() {
        return run.kernel();
    }

    /** The runtime the device arrays live on. */
    public DeviceRuntime runtime() {
        return solver.memoryManager().runtime();
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
            solver.finished(this);
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
            solver.finished(this);
        }
    }
}
