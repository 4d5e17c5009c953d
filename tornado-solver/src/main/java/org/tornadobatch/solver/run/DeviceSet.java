package org.tornadobatch.solver.run;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tornadobatch.FirstFailure;
import org.tornadobatch.device.Kernel;
import org.tornadobatch.device.KernelSource;
import org.tornadobatch.memory.MemoryManager;

/**
 * The devices one solver spreads each batch over: a memory manager per device (each with its runtime, its proportion
 * and its pipeline of chunks), the share of the runs each takes, and the kernels compiled for the devices after the
 * first (the solver keeps the first's). A solve gives device k a contiguous range of runs, {@link #shares()} of them:
 * those given ({@code Solver.Builder.deviceShares}), else equal ones for the first solve and, after each solve, shares
 * in proportion to each device's measured speed (its runs over the time from its start to its last chunk's end), so a
 * faster device takes more of the next batch. The memory managers stay their owner's: {@link #close()} frees only the
 * kernels.
 */
public final class DeviceSet implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceSet.class);

    private final List<MemoryManager> managers;
    private final boolean given;
    private double[] shares;
    private final Map<String, Kernel> kernels = new ConcurrentHashMap<>();

    /**
     * The devices of {@code managers} (at least two; the same manager twice is refused, while two managers of one
     * device, such as two contexts on one GPU, are two devices here), with the shares {@code shares} (null: measured).
     */
    public DeviceSet(List<MemoryManager> managers, double[] shares) {
        if (managers.size() < 2) {
            throw new IllegalArgumentException("devices: " + managers.size() + " memory manager(s) (expected: two or more; for one device,"
                    + " Solver.Builder.memoryManager)");
        }
        Set<MemoryManager> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (MemoryManager m : managers) {
            if (!seen.add(java.util.Objects.requireNonNull(m, "devices: a null memory manager"))) {
                throw new IllegalArgumentException("devices: the memory manager of " + m.runtime().name() + " [" + m.runtime().deviceName()
                        + "] is given twice (expected: one manager per device; two on one device are two managers)");
            }
        }
        this.managers = List.copyOf(managers);
        this.given = shares != null;
        if (given) {
            if (shares.length != managers.size()) {
                throw new IllegalArgumentException("deviceShares: " + shares.length + " shares for " + managers.size() + " devices (expected: one"
                        + " per device)");
            }
            SplitRun.ranges(1, shares); // checks them
            this.shares = normalised(shares);
        } else {
            this.shares = new double[managers.size()];
            java.util.Arrays.fill(this.shares, 1.0 / managers.size());
        }
    }

    /** How many devices. */
    public int size() {
        return managers.size();
    }

    /** The memory manager of device {@code k}. */
    public MemoryManager manager(int k) {
        return managers.get(k);
    }

    /** The share of the runs each device takes in the next solve (summing to 1). */
    public synchronized double[] shares() {
        return shares.clone();
    }

    /** Device {@code k}'s kernel for {@code key}, compiled from {@code source} on its runtime the first time (k >= 1). */
    public Kernel kernel(int k, String key, Supplier<KernelSource> source) {
        return kernels.computeIfAbsent(k + "@" + key, x -> managers.get(k).runtime().compile(source.get()));
    }

    /**
     * Solves {@code job} over the devices (the job's parts are the devices' owners: {@code parts().apply(k)} on device
     * k's manager with its kernel) and, unless the shares were given, sets the next solve's shares from each device's
     * speed.
     */
    public org.tornadobatch.solver.SolveResult solve(SolveJob job, org.tornadobatch.solver.ProgressListener progress) {
        double[] now = shares();
        double[] millis = new double[now.length];
        org.tornadobatch.solver.SolveResult r = SplitRun.solve(job, progress, now, millis);
        long[] firsts = SplitRun.ranges(job.batch().runs(), now);
        List<String> each = new ArrayList<>();
        double[] speed = new double[now.length];
        boolean measured = true;
        for (int k = 0; k < now.length; k++) {
            long runs = firsts[k + 1] - firsts[k];
            speed[k] = millis[k] > 0 ? runs / millis[k] : 0;
            measured &= runs > 0 && millis[k] > 0;
            each.add(String.format(java.util.Locale.ROOT, "%s [%s] %d runs in %.1f ms", managers.get(k).runtime().name(),
                    managers.get(k).runtime().deviceName(), runs, millis[k]));
        }
        LOG.info("devices: {}", String.join("; ", each));
        if (!given && measured) {
            synchronized (this) {
                shares = normalised(speed);
            }
        }
        return r;
    }

    private static double[] normalised(double[] v) {
        double sum = 0;
        for (double x : v) {
            sum += x;
        }
        double[] out = new double[v.length];
        for (int k = 0; k < v.length; k++) {
            out[k] = v[k] / sum;
        }
        return out;
    }

    /** Frees the kernels compiled for the devices after the first; the memory managers stay open. */
    @Override
    public void close() {
        FirstFailure f = new FirstFailure();
        kernels.values().forEach(k -> f.run(k::close));
        kernels.clear();
        f.rethrow();
    }
}
