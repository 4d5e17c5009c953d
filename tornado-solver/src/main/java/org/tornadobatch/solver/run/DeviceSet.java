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
    private List<DeviceTimes> last = List.of();

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

    /**
     * The devices of {@code Solver.Builder.devices} ({@code managers}, null: none) with its {@code shares} (null: measured),
     * or null without devices; refuses shares without devices, and devices beside a memory manager ({@code withManager}).
     */
    public static DeviceSet of(List<MemoryManager> managers, double[] shares, boolean withManager) {
        if (managers != null && withManager) {
            throw new IllegalArgumentException("devices: given with memoryManager (expected: one or the other; the first device's manager"
                    + " is the solver's)");
        }
        if (shares != null && managers == null) {
            throw new IllegalArgumentException("deviceShares: given without devices (expected: Solver.Builder.devices first)");
        }
        return managers == null ? null : new DeviceSet(managers, shares);
    }

    /** Calls {@code action} with each device's memory manager, in order. */
    public void forEach(java.util.function.Consumer<MemoryManager> action) {
        managers.forEach(action);
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

    /** Each device's runs and times in the last solve (devices that took no run left out); empty before one. */
    public synchronized List<DeviceTimes> lastTimes() {
        return last;
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
        DeviceTimes[] times = new DeviceTimes[now.length];
        org.tornadobatch.solver.SolveResult r = SplitRun.solve(job, progress, now, times);
        List<String> each = new ArrayList<>();
        double[] speed = new double[now.length];
        boolean measured = true;
        for (int k = 0; k < now.length; k++) {
            DeviceTimes t = times[k];
            measured &= t != null && t.wallMillis() > 0;
            if (t != null) {
                speed[k] = t.runs() / Math.max(t.wallMillis(), 1e-9);
                each.add(String.format(java.util.Locale.ROOT, "%s [%s] %d runs in %.1f ms (kernel %.1f ms)", t.backend(), t.device(), t.runs(),
                        t.wallMillis(), t.kernelMillis()));
            }
        }
        LOG.info("devices: {}", String.join("; ", each));
        synchronized (this) {
            last = java.util.Arrays.stream(times).filter(java.util.Objects::nonNull).toList();
            if (!given && measured) {
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
