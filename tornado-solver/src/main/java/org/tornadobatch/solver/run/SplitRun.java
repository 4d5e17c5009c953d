package org.tornadobatch.solver.run;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tornadobatch.FirstFailure;
import org.tornadobatch.memory.MemoryManager;
import org.tornadobatch.solver.ProgressListener;
import org.tornadobatch.solver.SolveResult;
import org.tornadobatch.solver.kernel.KernelSpec;

/**
 * A solve split into parts that run at once: each part is a {@link BatchRun} over a contiguous range of the
 * batch's runs, with a memory owner of its own (its own arrays, chunks, stream and, on tornadovm, execution
 * plan), writing into result arrays allocated once here. Parts are prepared and released one after another, in
 * order (so that a pooled allocator hands each part the same buffers every solve), and each runs on a thread of its
 * own as soon as it is prepared (so the phases "plan", the preparations, and "chunks", from the first part's start,
 * overlap). Where a runtime runs independent streams at once, one part's transfers overlap another's kernel.
 */
public final class SplitRun {
    private static final Logger LOG = LoggerFactory.getLogger(SplitRun.class);
    /** The parts' threads, kept between solves (idle ones end after {@link org.tornadobatch.HostThreads#IDLE_SECONDS}); daemons. */
    private static final ExecutorService THREADS = org.tornadobatch.HostThreads.cached("tornado-batch-part");

    private SplitRun() {
    }

    /** Solves {@code job}'s batch in {@code parts} parts at once (see the class comment), of equal numbers of runs. */
    public static SolveResult solve(SolveJob job, ProgressListener progress, int parts) {
        double[] shares = new double[parts];
        java.util.Arrays.fill(shares, 1.0 / parts);
        return solve(job, progress, shares, new DeviceTimes[parts]);
    }

    /**
     * Solves {@code job}'s batch in parts at once, part {@code k} (the solver's {@code parts().apply(k)}: on a solve over
     * several devices, device k's owner) taking the share {@code shares[k]} of the runs (shares summing to 1; a part
     * whose share rounds to no run is left out), and returns with {@code times[k]} its runs and times (null where it had
     * no run).
     */
    public static SolveResult solve(SolveJob job, ProgressListener progress, double[] shares, DeviceTimes[] times) {
        SolveJob.Setting solver = job.solver();
        KernelSpec spec = job.spec();
        MemoryManager memory = solver.memory();
        int runs = job.batch().runs();
        int parts = shares.length;
        long[] firsts = ranges(runs, shares);
        List<SolverPart> owners = new ArrayList<>();
        List<BatchRun> runsOf = new ArrayList<>();
        SolveJob.Results results = null;
        boolean ok = false;
        try {
            long t0 = System.nanoTime();
            results = job.allocateResults(memory, solver.self());
            long hosted = System.nanoTime();
            Summed summed = new Summed(progress, runs, parts);
            for (int k = 0; k < parts; k++) { // all join first, so that the memory manager shares its memory among all of them
                owners.add(solver.parts().apply(k));
            }
            // Each part starts as soon as it is prepared: the later parts' planning and allocation overlap the
            // earlier parts' gathers and kernels (on tornadovm, 2^20 Robertson runs in 8 parts, the preparations
            // took 4.9 of 29 ms one after another before any part ran).
            List<Future<Double>> futures = new ArrayList<>();
            Turns turns = new Turns();
            long started = 0;
            try {
                for (int k = 0; k < parts; k++) {
                    long from = firsts[k];
                    int count = (int) (firsts[k + 1] - from);
                    if (count == 0) {
                        turns.skip(k);
                        continue;
                    }
                    SolverPart owner = owners.get(k);
                    BatchRun r = new BatchRun(job, owner, ProgressListener.NONE, from, count, results);
                    r.prepare();
                    runsOf.add(r);
                    if (runsOf.size() == 1) {
                        started = System.nanoTime();
                    }
                    if (owner.memory() != memory || k > 0 && owners.get(k - 1).memory() != memory) {
                        LOG.info("solving runs {} to {} of {} ({}) with {} ({}), {} on {} [{}]: {}", from, from + count - 1, runs, spec.system().name(),
                                spec.tableau().name(), spec.control().describe(), spec.precision(), owner.memory().runtime().name(),
                                owner.memory().runtime().deviceName(), r.plan());
                    } else if (k == 0) {
                        LOG.info("solving {} runs of {} with {} ({}), {} on {} [{}] in {} parts at once: {} each", runs, spec.system().name(),
                                spec.tableau().name(), spec.control().describe(), spec.precision(), memory.runtime().name(),
                                memory.runtime().deviceName(), parts, r.plan());
                    }
                    int index = k;
                    ProgressListener mine = progress == ProgressListener.NONE ? ProgressListener.NONE
                            : (done, total, chunk, chunks) -> summed.report(index, done, chunk == chunks);
                    r.firstGather(turns.gate(index));
                    long partStart = System.nanoTime();
                    futures.add(THREADS.submit(() -> {
                        try {
                            double k2 = r.runChunks(mine);
                            times[index] = DeviceTimes.of(r, count, (System.nanoTime() - partStart) / 1e6);
                            return k2;
                        } finally {
                            turns.pass(index); // a part that failed before its gather must not hold up the others
                        }
                    }));
                }
            } catch (RuntimeException | Error e) {
                // A later part could not be prepared: the parts already running finish (or fail) before their arrays go.
                boolean interrupted = false;
                for (Future<Double> f : futures) {
                    while (true) {
                        try {
                            f.get();
                            break;
                        } catch (InterruptedException ie) {
                            interrupted = true; // still wait: the part's kernels use the arrays that are released next
                        } catch (ExecutionException | java.util.concurrent.CancellationException secondary) {
                            e.addSuppressed(secondary);
                            break;
                        }
                    }
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
                throw e;
            }
            long planned = System.nanoTime();
            FirstFailure failures = new FirstFailure();
            for (Future<Double> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    failures.run(() -> {
                        throw c instanceof RuntimeException re ? re : new IllegalStateException(c);
                    });
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failures.run(() -> {
                        throw new IllegalStateException("interrupted while waiting for the parts of a solve", e);
                    });
                }
            }
            failures.rethrow();
            double chunksMillis = (System.nanoTime() - started) / 1e6;
            PhaseTimes sums = new PhaseTimes();
            runsOf.forEach(r -> sums.add(r.times()));
            long chunks = 0;
            long chunkLength = 0;
            for (BatchRun r : runsOf) {
                chunks += r.plan().chunks();
                chunkLength = Math.max(chunkLength, r.plan().chunkLength());
            }
            for (BatchRun r : runsOf) {
                r.release(true);
            }
            SolveResult result = runsOf.get(0).result(sums, (hosted - t0) / 1e6, (planned - hosted) / 1e6, chunksMillis, chunks, chunkLength,
                    runsOf.size(), devices(runsOf));
            ok = true;
            return result;
        } finally {
            FirstFailure f = new FirstFailure();
            if (!ok) {
                for (BatchRun r : runsOf) {
                    f.run(() -> r.release(false));
                }
                if (results != null) {
                    SolveJob.Results allocated = results;
                    f.run(allocated::close);
                }
            }
            owners.forEach(o -> f.run(o::close));
            if (!ok) {
                f.rethrow();
            }
        }
    }

    /**
     * The first run of each part for {@code runs} runs split by {@code shares} (weights >= 0, one at least > 0), and
     * {@code runs} last: each part's count rounded down, the runs left over given by largest remainders (ties to the
     * earlier part).
     */
    public static long[] ranges(int runs, double[] shares) {
        double sum = 0;
        for (double v : shares) {
            if (!(v >= 0) || !Double.isFinite(v)) {
                throw new IllegalArgumentException("shares: " + java.util.Arrays.toString(shares) + " (expected: finite numbers >= 0)");
            }
            sum += v;
        }
        if (!(sum > 0)) {
            throw new IllegalArgumentException("shares: " + java.util.Arrays.toString(shares) + " (expected: at least one > 0)");
        }
        long[] counts = new long[shares.length];
        double[] rest = new double[shares.length];
        long given = 0;
        for (int k = 0; k < shares.length; k++) {
            double exact = runs * shares[k] / sum;
            counts[k] = (long) Math.floor(exact);
            rest[k] = exact - counts[k];
            given += counts[k];
        }
        Integer[] order = new Integer[shares.length];
        for (int k = 0; k < order.length; k++) {
            order[k] = k;
        }
        java.util.Arrays.sort(order, (a, b) -> Double.compare(rest[b], rest[a]));
        for (int i = 0; given < runs; i = (i + 1) % order.length) {
            if (shares[order[i]] > 0) {
                counts[order[i]]++;
                given++;
            }
        }
        long[] firsts = new long[shares.length + 1];
        for (int k = 0; k < shares.length; k++) {
            firsts[k + 1] = firsts[k] + counts[k];
        }
        return firsts;
    }

    /** The runtimes (each name once) and devices (each runtime once) the parts ran on, in order, joined by " + ". */
    private static String[] devices(List<BatchRun> runs) {
        java.util.LinkedHashSet<String> names = new java.util.LinkedHashSet<>();
        List<String> devices = new ArrayList<>();
        java.util.Set<Object> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (BatchRun r : runs) {
            if (seen.add(r.runtime())) {
                names.add(r.runtime().name());
                devices.add(r.runtime().deviceName());
            }
        }
        return new String[] {String.join(" + ", names), String.join(" + ", devices)};
    }

    /**
     * The parts' turns at their first gathers, in part order: were they to gather at once, sharing the cores, none
     * would finish early, and the GPU would wait for all of them (at 2^24 float64, 640 MB) before the first kernel.
     */
    static final class Turns {
        private int next;
        private final java.util.Set<Integer> skipped = new java.util.HashSet<>();

        ChunkPipeline.Gate gate(int part) {
            return new ChunkPipeline.Gate() {
                @Override
                public void enter() {
                    await(part);
                }

                @Override
                public void leave() {
                    pass(part);
                }
            };
        }

        synchronized void await(int part) {
            while (next < part) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the earlier parts' gathers", e);
                }
            }
        }

        /** Part {@code part}'s turn is over (idempotent). */
        synchronized void pass(int part) {
            if (next <= part) {
                next = part + 1;
                skipOver();
                notifyAll();
            }
        }

        /** Part {@code part} has no runs: its turn passes as soon as the parts before it have had theirs. */
        synchronized void skip(int part) {
            skipped.add(part);
            skipOver();
            notifyAll();
        }

        private void skipOver() {
            while (skipped.contains(next)) {
                next++;
            }
        }
    }

    /** Sums the parts' progress and tells the solve's listener, one call at a time; a "chunk" here is a part. */
    private static final class Summed {
        private final ProgressListener target;
        private final long runs;
        private final long[] done;
        private final boolean[] finished;

        Summed(ProgressListener target, long runs, int parts) {
            this.target = target;
            this.runs = runs;
            this.done = new long[parts];
            this.finished = new boolean[parts];
        }

        synchronized void report(int part, long partDone, boolean partFinished) {
            done[part] = partDone;
            finished[part] |= partFinished;
            long sum = 0;
            int parts = 0;
            for (int k = 0; k < done.length; k++) {
                sum += done[k];
                parts += finished[k] ? 1 : 0;
            }
            target.progress(sum, runs, parts, done.length);
        }
    }
}
