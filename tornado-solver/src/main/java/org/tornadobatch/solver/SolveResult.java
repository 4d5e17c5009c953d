package org.tornadobatch.solver;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.tornadobatch.FirstFailure;
import org.tornadobatch.memory.host.HostArray;

/**
 * The results of a solve on the host: saved states and observables (time, variable, run), summaries (window,
 * variable x metric slot, run), the save times, and per run the status word and the accepted and rejected
 * step counts. Absent outputs are null. Closing releases the host memory (and deletes spill files); idempotent.
 */
public final class SolveResult implements AutoCloseable {
    /** Rows of the per-run host array: status words, accepted steps, rejected steps. */
    public static final int PER_RUN_STATUS = 0;
    /** The row of accepted steps in the per-run array. */
    public static final int PER_RUN_ACCEPTED = 1;
    /** The row of rejected steps in the per-run array. */
    public static final int PER_RUN_REJECTED = 2;
    /** The row of Newton iterations in the per-run array (zero for methods without them). */
    public static final int PER_RUN_NEWTON = 3;
    /** The row of Jacobian evaluations in the per-run array (zero for explicit methods). */
    public static final int PER_RUN_JACOBIANS = 4;
    /** The row of matrix factorisations in the per-run array (zero for explicit methods). */
    public static final int PER_RUN_FACTORISATIONS = 5;
    /** The per-run array's rows. */
    public static final int PER_RUN_ROWS = 6;

    private final double[] time;
    private final ResultArray state;
    private final ResultArray observables;
    private final ResultArray stateSummaries;
    private final ResultArray observableSummaries;
    private final ResultArray stepCounts;
    private final double[] windowStarts;
    private final HostArray perRun;
    private final int runs;
    private final Batch batch;
    private final SolveInfo info;
    private boolean closed;

    /**
     * A result over host arrays it now owns (closing it frees them), as the solve pipeline makes it: null for an
     * output not made; {@code perRun} has the rows {@link #PER_RUN_STATUS}, {@link #PER_RUN_ACCEPTED},
     * {@link #PER_RUN_REJECTED}, {@link #PER_RUN_NEWTON}, {@link #PER_RUN_JACOBIANS} and {@link #PER_RUN_FACTORISATIONS}.
     */
    public SolveResult(double[] time, ResultArray state, ResultArray observables, ResultArray stateSummaries,
                       ResultArray observableSummaries, ResultArray stepCounts, double[] windowStarts, HostArray perRun, Batch batch,
                       SolveInfo info) {
        this.time = time;
        this.state = state;
        this.observables = observables;
        this.stateSummaries = stateSummaries;
        this.observableSummaries = observableSummaries;
        this.stepCounts = stepCounts;
        this.windowStarts = windowStarts;
        this.perRun = perRun;
        this.runs = Math.toIntExact(perRun.shape()[1]);
        this.batch = batch;
        this.info = info;
    }

    /** Save times, (time). */
    public double[] time() {
        return time.clone();
    }

    /** Saved states, (time, state, run), or null. */
    public ResultArray state() {
        return state;
    }

    /** Saved observables, (time, observable, run), or null. */
    public ResultArray observables() {
        return observables;
    }

    /** State summaries, (window, state x slot, run), or null. */
    public ResultArray stateSummaries() {
        return stateSummaries;
    }

    /** Observable summaries, (window, observable x slot, run), or null. */
    public ResultArray observableSummaries() {
        return observableSummaries;
    }

    /**
     * Accepted, rejected and attempted steps per save interval, {@code (saves, 3, runs)} int32 (variables
     * {@code accepted}, {@code rejected}, {@code attempted}; -1 for saves a failed run did not reach), or null where
     * neither {@code step_counts} nor {@code time} is an output.
     */
    public ResultArray stepCounts() {
        return stepCounts;
    }

    /**
     * The per-run time output ({@code time} among the outputs, CuBIE's {@code time}): each run's sample times,
     * {@code [sample][run]}, {@link #time()} where the run reached the sample and NaN where it had failed before.
     *
     * @throws IllegalArgumentException where {@code time} was not an output
     */
    public double[][] runTimes() {
        ResultArray c = runTimeCounts();
        double[][] out = new double[time.length][runs];
        for (int s = 0; s < time.length; s++) {
            for (int r = 0; r < runs; r++) {
                out[s][r] = runTime(c, s, r);
            }
        }
        return out;
    }

    /** The step counts the per-run times are read from; refused where {@code time} was not an output. */
    private ResultArray runTimeCounts() {
        return need(hasRunTimes() ? stepCounts : null, "per-run times", "time");
    }

    /** Sample {@code s}'s time for run {@code r}: NaN where the run did not reach it (its counts are -1 there). */
    private double runTime(ResultArray counts, int s, int r) {
        return counts.get(s, 0, r) < 0 ? Double.NaN : time[s];
    }

    /** Whether {@code time} was an output (so that {@link #runTimes()} answers). */
    public boolean hasRunTimes() {
        return stepCounts != null && List.of(info.outputs().split(", ")).contains("time");
    }

    /** Start time of each summary window. */
    public double[] windowStarts() {
        return windowStarts.clone();
    }

    /** Status word per run (0: success; see {@link RunStatus}). */
    public int[] status() {
        return row(PER_RUN_STATUS);
    }

    /** Accepted steps per run. */
    public int[] acceptedSteps() {
        return row(PER_RUN_ACCEPTED);
    }

    /** Rejected steps per run. */
    public int[] rejectedSteps() {
        return row(PER_RUN_REJECTED);
    }

    /**
     * Newton iterations per run, over every attempted step (accepted or rejected), for the methods that iterate (SDIRK,
     * ESDIRK, fully implicit; see {@link #usesNewton()}); zeros for the others. Each iteration evaluates f once per implicit
     * stage it solves and solves once with the step's factorised matrices.
     */
    public int[] newtonIterations() {
        return row(PER_RUN_NEWTON);
    }

    /** Whether the method solves its stages by Newton's iteration ({@link #newtonIterations()} counts them). */
    public boolean usesNewton() {
        return info.usesNewton();
    }

    /**
     * Jacobian evaluations per run, for the implicit methods (see {@link #isImplicit()}); zeros for the others. A
     * Rosenbrock method evaluates J at every attempted step; the adaptive Newton methods keep it across steps where
     * Newton converged fast (RADAU5's rule), and evaluate it again after a Newton failure on an old one.
     */
    public int[] jacobianEvaluations() {
        return row(PER_RUN_JACOBIANS);
    }

    /**
     * Matrix factorisations per run, for the implicit methods; zeros for the others. Each attempted step factorises its
     * matrix once; Radau IIA's step factorises two (a real one and a complex one, as SciPy's Radau counts them).
     */
    public int[] luFactorisations() {
        return row(PER_RUN_FACTORISATIONS);
    }

    /** Whether the method evaluates a Jacobian and factorises matrices (Rosenbrock, SDIRK, fully implicit). */
    public boolean isImplicit() {
        return info.implicit();
    }

    /** How many runs the result holds. */
    public int runs() {
        return runs;
    }

    private int[] row(int row) {
        int[] out = new int[runs];
        MemorySegment.copy(perRun.segment(), ValueLayout.JAVA_INT, (long) row * runs * 4, out, 0, runs);
        return out;
    }

    /** The runs' inputs. */
    public Batch batch() {
        return batch;
    }

    /** What was solved, where and how long it took. */
    public SolveInfo info() {
        return info;
    }

    /**
     * How many runs failed (status not 0), without building {@link #failures()}: zero stretches are skipped by
     * vectorised compares, blocks of runs on all cores.
     */
    public long failureCount() {
        MemorySegment status = perRun.segment();
        long bytes = runs * 4L;
        long block = ZEROS.byteSize();
        return org.tornadobatch.HostThreads.parallel(() -> java.util.stream.LongStream.range(0, (bytes + block - 1) / block).parallel().map(b -> {
            long end = Math.min(bytes, (b + 1) * block);
            long failed = 0;
            long at = b * block;
            while (at < end) {
                long m = MemorySegment.mismatch(status, at, end, ZEROS, 0, end - at);
                if (m < 0) {
                    break;
                }
                failed++; // the int holding the first nonzero byte
                at += (m & ~3L) + 4;
            }
            return failed;
        }).sum());
    }

    private static final MemorySegment ZEROS = java.lang.foreign.Arena.global().allocate(1 << 18, 8);

    /** Runs that failed, with why: run index to status names. */
    public Map<Integer, List<RunStatus>> failures() {
        Map<Integer, List<RunStatus>> m = new TreeMap<>();
        MemorySegment status = perRun.segment();
        for (int r = 0; r < runs; r++) {
            int s = status.getAtIndex(ValueLayout.JAVA_INT, r);
            if (s != 0) {
                m.put(r, RunStatus.decode(s));
            }
        }
        return m;
    }

    /** Saved state {@code variable} of every run: {@code [sample][run]} (at {@link #time()}). */
    public double[][] state(String variable) {
        return need(state, "state", "state").values(variable);
    }

    /** The last saved sample of state {@code variable}, per run (the final state). */
    public double[] finalState(String variable) {
        double[][] v = state(variable);
        return v[v.length - 1];
    }

    /** Saved observable {@code name} of every run: {@code [sample][run]}. */
    public double[][] observable(String name) {
        return need(observables, "observables", "observables").values(name);
    }

    /**
     * Summary {@code metric} of the state or observable {@code variable}, every window and run: {@code [window][run]}.
     * {@code metric} is a slot name after the variable's, e.g. {@code mean}, {@code max}, {@code peak0}.
     */
    public double[][] summary(String variable, String metric) {
        String slot = variable + "." + metric;
        return summaries(slot).values(slot);
    }

    /** The summary array holding {@code slot}; an error lists the slots recorded. */
    private ResultArray summaries(String slot) {
        List<String> slots = new ArrayList<>();
        for (ResultArray a : new ResultArray[] {stateSummaries, observableSummaries}) {
            if (a != null && a.variables().contains(slot)) {
                return a;
            }
            if (a != null) {
                slots.addAll(a.variables());
            }
        }
        throw new IllegalArgumentException("summary '" + slot + "' was not recorded (recorded: " + (slots.isEmpty() ? "no summaries; add a"
                + " metric such as mean to the outputs" : slots) + ")");
    }

    /** Run {@code r}'s inputs and results. */
    public Run run(int r) {
        java.util.Objects.checkIndex(r, runs);
        return new Run(r);
    }

    /**
     * Sets the saved values and summaries of every failed run to NaN (CuBIE's {@code nan_error_trajectories}), so
     * that statistics over runs cannot take a failed run's values for results; returns how many runs failed.
     */
    public long setFailedRunsToNaN() {
        int[] status = status();
        long failed = 0;
        for (int r = 0; r < runs; r++) {
            if (status[r] != 0) {
                failed++;
                for (ResultArray a : new ResultArray[] {state, observables, stateSummaries, observableSummaries}) {
                    if (a != null) {
                        a.setRunToNaN(r);
                    }
                }
            }
        }
        return failed;
    }

    private static ResultArray need(ResultArray a, String what, String output) {
        if (a == null) {
            throw new IllegalArgumentException(what + " were not saved (add \"" + output + "\" to the outputs)");
        }
        return a;
    }

    /** One run of a result: its inputs, status, step counts and series, read by name. Valid while the result is open. */
    public final class Run {
        private final int index;

        private Run(int index) {
            this.index = index;
        }

        /** The run's index in the batch. */
        public int index() {
            return index;
        }

        /** The run's value of a state (its initial value) or parameter. */
        public double input(String variable) {
            int s = batch.system().stateNames().indexOf(variable);
            if (s >= 0) {
                return batch.state(s, index);
            }
            int p = batch.system().parameterNames().indexOf(variable);
            if (p < 0) {
                Batch.checkVariable(batch.system(), variable); // throws, naming the states and parameters
            }
            return batch.parameter(p, index);
        }

        /** Status word (0: success; see {@link RunStatus}). */
        public int status() {
            return perRun.segment().getAtIndex(ValueLayout.JAVA_INT, (long) PER_RUN_STATUS * runs + index);
        }

        /** Whether the run reached its end (status 0). */
        public boolean succeeded() {
            return status() == 0;
        }

        /** The run's accepted steps. */
        public int acceptedSteps() {
            return perRun.segment().getAtIndex(ValueLayout.JAVA_INT, (long) PER_RUN_ACCEPTED * runs + index);
        }

        /** The run's rejected steps. */
        public int rejectedSteps() {
            return perRun.segment().getAtIndex(ValueLayout.JAVA_INT, (long) PER_RUN_REJECTED * runs + index);
        }

        /** The run's Newton iterations (see {@link SolveResult#newtonIterations()}). */
        public int newtonIterations() {
            return perRun.segment().getAtIndex(ValueLayout.JAVA_INT, (long) PER_RUN_NEWTON * runs + index);
        }

        /** The run's Jacobian evaluations (see {@link SolveResult#jacobianEvaluations()}). */
        public int jacobianEvaluations() {
            return perRun.segment().getAtIndex(ValueLayout.JAVA_INT, (long) PER_RUN_JACOBIANS * runs + index);
        }

        /** The run's matrix factorisations (see {@link SolveResult#luFactorisations()}). */
        public int luFactorisations() {
            return perRun.segment().getAtIndex(ValueLayout.JAVA_INT, (long) PER_RUN_FACTORISATIONS * runs + index);
        }

        /** The run's sample times: {@link SolveResult#time()}, NaN from where it failed (see {@link SolveResult#runTimes()}). */
        public double[] time() {
            ResultArray c = runTimeCounts();
            double[] out = new double[time.length];
            for (int s = 0; s < time.length; s++) {
                out[s] = runTime(c, s, index);
            }
            return out;
        }

        /** The saved series of state {@code variable}, at {@link SolveResult#time()}. */
        public double[] state(String variable) {
            ResultArray a = need(state, "state", "state");
            return a.series(a.indexOf(variable), index);
        }

        /** The saved series of observable {@code name}. */
        public double[] observable(String name) {
            ResultArray a = need(observables, "observables", "observables");
            return a.series(a.indexOf(name), index);
        }

        /** Summary {@code metric} of {@code variable} in every window. */
        public double[] summary(String variable, String metric) {
            String slot = variable + "." + metric;
            ResultArray a = summaries(slot);
            return a.series(a.indexOf(slot), index);
        }
    }

    /** Every array present, for writers. */
    public List<ResultArray> arrays() {
        List<ResultArray> out = new ArrayList<>();
        for (ResultArray a : new ResultArray[] {state, observables, stateSummaries, observableSummaries, stepCounts}) {
            if (a != null) {
                out.add(a);
            }
        }
        return out;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        FirstFailure f = new FirstFailure();
        for (ResultArray a : arrays()) {
            f.run(() -> a.host().close());
        }
        f.run(perRun::close);
        f.rethrow();
    }
}
