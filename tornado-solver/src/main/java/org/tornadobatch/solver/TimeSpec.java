package org.tornadobatch.solver;

/**
 * When to integrate and record. Integration starts at {@code t0}; the first {@code warmup} time units settle
 * the system unrecorded; recording covers {@code duration} from {@code t0 + warmup}. Intervals that are NaN are
 * unset: without {@code saveEvery} only the first and the last sample are saved; without
 * {@code summariseEvery} one summary window spans the whole duration; without {@code sampleEvery} summaries
 * sample every {@code saveEvery} when it divides the window, else ten times per window (a hundred when the
 * window was not given either). With {@code saveStart} false the sample at the start of recording is not saved:
 * without {@code saveEvery} that saves the final state only.
 */
public record TimeSpec(double duration, double t0, double warmup, double saveEvery, double summariseEvery, double sampleEvery,
                       boolean saveStart) {

    /** Checks the times: a finite positive duration, a finite t0, a finite warmup >= 0, intervals within the span and not too many output times. */
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
        return new TimeSpec(duration, v, warmup, saveEvery, summariseEvery, sampleEvery, saveStart);
    }

    /** The same span after a settling time {@code v}, integrated but not recorded. */
    public TimeSpec withWarmup(double v) {
        return new TimeSpec(duration, t0, v, saveEvery, summariseEvery, sampleEvery, saveStart);
    }

    /** The same span, saving every {@code v}. */
    public TimeSpec withSaveEvery(double v) {
        return new TimeSpec(duration, t0, warmup, v, summariseEvery, sampleEvery, saveStart);
    }

    /** The same span, with summary windows {@code v} long. */
    public TimeSpec withSummariseEvery(double v) {
        return new TimeSpec(duration, t0, warmup, saveEvery, v, sampleEvery, saveStart);
    }

    /** The same span, sampling summaries every {@code v}. */
    public TimeSpec withSampleEvery(double v) {
        return new TimeSpec(duration, t0, warmup, saveEvery, summariseEvery, v, saveStart);
    }

    /** The same span, with ({@code true}) or without the sample at the start of recording. */
    public TimeSpec withSaveStart(boolean v) {
        return new TimeSpec(duration, t0, warmup, saveEvery, summariseEvery, sampleEvery, v);
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
