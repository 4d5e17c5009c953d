package org.tornadobatch.solver;

/**
 * When to integrate and record. Integration starts at {@code t0}; the first {@code warmup} time units settle
 * the system unrecorded; recording covers {@code duration} from {@code t0 + warmup}. Intervals that are NaN are
 * unset: without {@code saveEvery} only the first and the last sample are saved; without
 * {@code summariseEvery} one summary window spans the whole duration; without {@code sampleEvery} summaries
 * sample every {@code saveEvery} when it divides the window, else ten times per window (a hundred when the
 * window was not given either). With {@code saveStart} false the sample at the start of recording is not saved:
 * without {@code saveEvery} that saves the final state only. {@code stops} are times every run's steps land on
 * exactly, recording nothing there (DifferentialEquations.jl's {@code tstops}): where a forcing or a parameter
 * switches (a stimulus pulse's edges), so that no step straddles the switch; each after {@code t0} and at most
 * {@link #end()}, held sorted and without repeats.
 */
public record TimeSpec(double duration, double t0, double warmup, double saveEvery, double summariseEvery, double sampleEvery,
                       boolean saveStart, double[] stops) {

    /**
     * Checks the times: a finite positive duration, a finite t0, a finite warmup >= 0, intervals within the span, stops
     * inside it, and not too many output times.
     */
    public TimeSpec {
        if (!(duration > 0) || !Double.isFinite(duration)) {
            throw new IllegalArgumentException("duration: " + duration + " (expected: a finite number > 0)");
        }
        if (!Double.isFinite(t0)) {
            throw new IllegalArgumentException("t0: " + t0 + " (expected: a finite number)");
        }
        if (!(warmup >= 0) || !Double.isFinite(warmup)) {
            throw new IllegalArgumentException("warmup: " + warmup + " (expected: a finite number >= 0)");
        }
        interval("saveEvery", saveEvery, duration);
        interval("summariseEvery", summariseEvery, duration);
        interval("sampleEvery", sampleEvery, Double.isNaN(summariseEvery) ? duration : summariseEvery);
        count("saveEvery", saveEvery, duration, 1, "samples");
        count("summariseEvery", summariseEvery, duration, 10, "summary samples (ten per window at least)");
        count("sampleEvery", sampleEvery, duration, 1, "summary samples");
        stops = checkStops(stops, t0, t0 + warmup + duration);
    }

    /** Without stops. */
    public TimeSpec(double duration, double t0, double warmup, double saveEvery, double summariseEvery, double sampleEvery,
                    boolean saveStart) {
        this(duration, t0, warmup, saveEvery, summariseEvery, sampleEvery, saveStart, new double[0]);
    }

    private static double[] checkStops(double[] stops, double t0, double end) {
        double[] sorted = stops == null ? new double[0] : java.util.Arrays.stream(stops).sorted().distinct().toArray();
        if (sorted.length > MAX_EVENTS) {
            throw new IllegalArgumentException("stops: " + sorted.length + " times (at most " + MAX_EVENTS + " per solve)");
        }
        for (double s : sorted) {
            if (!Double.isFinite(s) || !(s > t0) || s > end) {
                throw new IllegalArgumentException("stops: " + s + " is outside the integration span (" + t0 + ", " + end + "] (expected:"
                        + " times after t0 and up to t0 + warmup + duration)");
            }
        }
        return sorted;
    }

    /** The times steps land on, sorted (a copy). */
    @Override
    public double[] stops() {
        return stops.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TimeSpec t && Double.compare(duration, t.duration) == 0 && Double.compare(t0, t.t0) == 0
                && Double.compare(warmup, t.warmup) == 0 && Double.compare(saveEvery, t.saveEvery) == 0
                && Double.compare(summariseEvery, t.summariseEvery) == 0 && Double.compare(sampleEvery, t.sampleEvery) == 0
                && saveStart == t.saveStart && java.util.Arrays.equals(stops, t.stops);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(duration, t0, warmup, saveEvery, summariseEvery, sampleEvery, saveStart) * 31
                + java.util.Arrays.hashCode(stops);
    }

    @Override
    public String toString() {
        return "TimeSpec[duration=" + duration + ", t0=" + t0 + ", warmup=" + warmup + ", saveEvery=" + saveEvery + ", summariseEvery="
                + summariseEvery + ", sampleEvery=" + sampleEvery + ", saveStart=" + saveStart + ", stops="
                + java.util.Arrays.toString(stops) + "]";
    }

    /**
     * The most output times (saved samples, summary samples) of one solve: each is an event of the kernel's schedule,
     * kept on the host and the device; past this the schedule alone would fill the memory.
     */
    public static final long MAX_EVENTS = 10_000_000;

    private static void count(String name, double every, double duration, double perInterval, String what) {
        if (!Double.isNaN(every) && duration / every * perInterval > MAX_EVENTS) {
            throw new IllegalArgumentException(name + ": " + every + " gives " + String.format(java.util.Locale.ROOT, "%.3g", duration / every
                    * perInterval) + " " + what + " over the duration " + duration + " (at most " + MAX_EVENTS + " per solve; choose a longer"
                    + " interval, or split the duration into several solves)");
        }
    }

    /** Saves the start of recording too ({@code saveStart} true). */
    public TimeSpec(double duration, double t0, double warmup, double saveEvery, double summariseEvery, double sampleEvery) {
        this(duration, t0, warmup, saveEvery, summariseEvery, sampleEvery, true);
    }

    /** Integrate {@code duration} from 0, saving the first and last samples. */
    public static TimeSpec of(double duration) {
        return new TimeSpec(duration, 0, 0, Double.NaN, Double.NaN, Double.NaN);
    }

    /** Integrate {@code duration} from 0, saving the final state only. */
    public static TimeSpec finalState(double duration) {
        return of(duration).withSaveStart(false);
    }

    /** The same span, starting at {@code v}. */
    public TimeSpec withT0(double v) {
        return new TimeSpec(duration, v, warmup, saveEvery, summariseEvery, sampleEvery, saveStart, stops);
    }

    /** The same span after a settling time {@code v}, integrated but not recorded. */
    public TimeSpec withWarmup(double v) {
        return new TimeSpec(duration, t0, v, saveEvery, summariseEvery, sampleEvery, saveStart, stops);
    }

    /** The same span, saving every {@code v}. */
    public TimeSpec withSaveEvery(double v) {
        return new TimeSpec(duration, t0, warmup, v, summariseEvery, sampleEvery, saveStart, stops);
    }

    /** The same span, with summary windows {@code v} long. */
    public TimeSpec withSummariseEvery(double v) {
        return new TimeSpec(duration, t0, warmup, saveEvery, v, sampleEvery, saveStart, stops);
    }

    /** The same span, sampling summaries every {@code v}. */
    public TimeSpec withSampleEvery(double v) {
        return new TimeSpec(duration, t0, warmup, saveEvery, summariseEvery, v, saveStart, stops);
    }

    /** The same span, with ({@code true}) or without the sample at the start of recording. */
    public TimeSpec withSaveStart(boolean v) {
        return new TimeSpec(duration, t0, warmup, saveEvery, summariseEvery, sampleEvery, v, stops);
    }

    /** The same span, its steps landing on {@code times} (each after t0, up to the end; in any order). */
    public TimeSpec withStops(double... times) {
        return new TimeSpec(duration, t0, warmup, saveEvery, summariseEvery, sampleEvery, saveStart, times);
    }

    /** Where recording starts. */
    public double start() {
        return t0 + warmup;
    }

    /** Where integration ends. */
    public double end() {
        return t0 + warmup + duration;
    }

    private static void interval(String name, double v, double limit) {
        if (Double.isNaN(v)) {
            return;
        }
        if (!(v > 0) || !Double.isFinite(v)) {
            throw new IllegalArgumentException(name + ": " + v + " (expected: a finite number > 0)");
        }
        if (v > limit * (1 + 1e-12)) {
            throw new IllegalArgumentException(name + ": " + v + " (expected: <= " + limit + ", the span it divides)");
        }
    }
}
