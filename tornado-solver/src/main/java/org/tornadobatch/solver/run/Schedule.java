package org.tornadobatch.solver.run;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

import org.tornadobatch.solver.TimeSpec;

/**
 * The output events every run visits, in time order, with what happens at each: a summary window closes
 * ({@link #CLOSE_WINDOW}), summaries take a sample ({@link #SAMPLE}), the state is saved ({@link #SAVE}), or nothing:
 * a stop ({@link TimeSpec#stops()}, flags 0). At one time they happen in that order. Runs step exactly onto each event
 * time.
 */
public record Schedule(double[] eventTimes, int[] eventFlags, double[] saveTimes, int windows, double windowLength,
                       double sampleEvery, double[] windowStarts) {
    public static final int CLOSE_WINDOW = 1;
    public static final int SAMPLE = 2;
    public static final int SAVE = 4;

    /** The number of saved samples per run. */
    public int saves() {
        return saveTimes.length;
    }

    /** The number of events: the distinct times at which the kernel saves, samples or closes a summary window. */
    public int events() {
        return eventTimes.length;
    }

    /** The schedule of {@code spec}; {@code summaries} tells whether sample and window events are needed. */
    public static Schedule of(TimeSpec spec, boolean summaries) {
        double start = spec.start();
        double end = spec.end();
        double duration = spec.duration();
        List<Double> saves = new ArrayList<>();
        if (Double.isNaN(spec.saveEvery())) {
            if (spec.saveStart()) {
                saves.add(start);
            }
            saves.add(end);
        } else {
            double se = spec.saveEvery();
            long k = (long) Math.floor(duration / se + 1e-9);
            for (long i = spec.saveStart() ? 0 : 1; i <= k; i++) {
                saves.add(start + i * se);
            }
            if (start + k * se < end - 1e-9 * se) {
                saves.add(end);
            }
        }
        double tolerance = 1e-9 * Math.min(duration, Double.isNaN(spec.saveEvery()) ? duration : spec.saveEvery());
        TreeMap<Double, Integer> events = new TreeMap<>();
        for (double t : saves) {
            add(events, t, SAVE, tolerance);
        }
        int windows = 0;
        double window = Double.NaN;
        double sample = Double.NaN;
        double[] windowStarts = new double[0];
        if (summaries) {
            boolean given = !Double.isNaN(spec.summariseEvery());
            window = given ? spec.summariseEvery() : duration;
            sample = spec.sampleEvery();
            if (Double.isNaN(sample)) {
                double se = spec.saveEvery();
                double ratio = Double.isNaN(se) ? 0 : window / se;
                sample = !Double.isNaN(se) && Math.abs(ratio - Math.rint(ratio)) < 1e-6 ? se : window / (given ? 10 : 100);
            }
            double ratio = window / sample;
            long perWindow = Math.round(ratio);
            if (perWindow < 1 || Math.abs(ratio - perWindow) > 0.01) {
                throw new IllegalArgumentException("sampleEvery: " + sample + " (expected: a whole fraction of summariseEvery "
                        + window + "; their ratio is " + ratio + ")");
            }
            sample = window / perWindow;
            windows = (int) Math.floor(duration / window + 1e-9);
            windowStarts = new double[windows];
            tolerance = Math.min(tolerance, 1e-9 * sample);
            for (int w = 0; w < windows; w++) {
                windowStarts[w] = start + w * window;
                for (long j = 0; j < perWindow; j++) {
                    add(events, start + w * window + j * sample, SAMPLE, tolerance);
                }
                add(events, start + (w + 1) * window, CLOSE_WINDOW, tolerance);
            }
        }
        for (double t : spec.stops()) {
            add(events, t, 0, tolerance);
        }
        double[] times = new double[events.size()];
        int[] flags = new int[events.size()];
        int i = 0;
        for (var e : events.entrySet()) {
            times[i] = e.getKey();
            flags[i++] = e.getValue();
        }
        double[] saveTimes = saves.stream().mapToDouble(Double::doubleValue).toArray();
        return new Schedule(times, flags, saveTimes, windows, window, sample, windowStarts);
    }

    private static void add(TreeMap<Double, Integer> events, double t, int flag, double tolerance) {
        Double near = events.floorKey(t + tolerance);
        if (near != null && Math.abs(near - t) <= tolerance) {
            events.merge(near, flag, (a, b) -> a | b);
        } else {
            events.put(t, flag);
        }
    }
}
