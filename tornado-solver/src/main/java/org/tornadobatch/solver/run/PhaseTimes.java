package org.tornadobatch.solver.run;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a solve's time went, summed over its chunks, slices and parts (a split solve's parts run at once, so their
 * sums may exceed the wall time). Milliseconds; thread-safe.
 *
 * <ul>
 *   <li>{@code gather}: the host copying the batch's rows (and converting them to float32) into staging or into the
 *       device arrays' host-addressable memory;</li>
 *   <li>{@code host_to_device}, {@code device_to_host}: the device's copies between staging and device memory
 *       (device time from timed events); not measured (NaN) where the runtime copies nothing itself (jvm: the device
 *       memory is host memory; tornadovm: its execution plan moves the data inside the kernel's execution);</li>
 *   <li>{@code kernel}: the kernels' device time;</li>
 *   <li>{@code scatter}: the host copying results from staging or the device arrays into the result arrays.</li>
 * </ul>
 */
final class PhaseTimes {
    private double gather;
    private double toDevice;
    private double kernel;
    private double toHost;
    private double scatter;
    private boolean copiesTimed;

    synchronized void gather(long nanos) {
        gather += nanos / 1e6;
    }

    synchronized void scatter(long nanos) {
        scatter += nanos / 1e6;
    }

    synchronized void kernel(double millis) {
        kernel += millis;
    }

    synchronized void copies(double toDeviceMillis, double toHostMillis) {
        copiesTimed = true;
        toDevice += toDeviceMillis;
        toHost += toHostMillis;
    }

    synchronized double kernelMillis() {
        return kernel;
    }

    /** The device's copies to it and back (NaN each where not timed: see the class comment). */
    synchronized double[] copyMillis() {
        return copiesTimed ? new double[] {toDevice, toHost} : new double[] {Double.NaN, Double.NaN};
    }

    /** Adds another part's sums to these. */
    synchronized void add(PhaseTimes o) {
        synchronized (o) {
            gather += o.gather;
            kernel += o.kernel;
            scatter += o.scatter;
            if (o.copiesTimed) {
                copies(o.toDevice, o.toHost);
            }
        }
    }

    /**
     * The record of a solve: {@code compile}, {@code host_arrays} (allocating the result arrays), {@code plan} (planning
     * the chunks and allocating device memory), the sums above, {@code chunks} (the chunk loop's wall time) and
     * {@code total}, in that order.
     */
    synchronized Map<String, Double> record(double compile, double hostArrays, double plan, double chunks, double total) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("compile", compile);
        m.put("host_arrays", hostArrays);
        m.put("plan", plan);
        m.put("gather", gather);
        m.put("host_to_device", copiesTimed ? toDevice : Double.NaN);
        m.put("kernel", kernel);
        m.put("device_to_host", copiesTimed ? toHost : Double.NaN);
        m.put("scatter", scatter);
        m.put("chunks", chunks);
        m.put("total", total);
        return Collections.unmodifiableMap(m);
    }
}
