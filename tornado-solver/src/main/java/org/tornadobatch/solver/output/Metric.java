package org.tornadobatch.solver.output;

import java.util.List;
import java.util.Locale;

/**
 * A summary metric over a summary window: its kind and, for {@code peaks[n]}, the number of peaks.
 * Outputs per variable: {@code mean, max, min, rms, std, max_magnitude} one value; {@code extrema} two (max,
 * min); {@code peaks[n]} n values, the times of the first n local maxima of the window (NaN where there are
 * fewer). {@code std} is the population standard deviation.
 */
public record Metric(Kind kind, int peaks) {
    public enum Kind {
        MEAN, MAX, MIN, RMS, STD, MAX_MAGNITUDE, EXTREMA, PEAKS
    }

    /**
     * The most peaks recorded per variable: each is a register of every thread, and the kernel keeps them in
     * straight-line code (the JVM refuses methods past 64 KB of bytecode).
     */
    public static final int MAX_PEAKS = 64;

    public Metric {
        if (kind == Kind.PEAKS && (peaks < 1 || peaks > MAX_PEAKS)) {
            throw new IllegalArgumentException("output: peaks[" + peaks + "] (expected: peaks[n] with 1 <= n <= " + MAX_PEAKS + ")");
        }
    }

    /** Parses {@code mean}, {@code max}, ..., {@code peaks[3]}. */
    public static Metric of(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.startsWith("peaks")) {
            String rest = t.substring(5);
            if (!rest.matches("\\[\\d{1,9}]")) {
                throw new IllegalArgumentException("output: " + text + " (expected: peaks[n] with a whole number 1 <= n <= " + MAX_PEAKS + ")");
            }
            return new Metric(Kind.PEAKS, Integer.parseInt(rest.substring(1, rest.length() - 1)));
        }
        for (Kind k : Kind.values()) {
            if (k != Kind.PEAKS && k.name().toLowerCase(Locale.ROOT).equals(t)) {
                return new Metric(k, 0);
            }
        }
        throw new IllegalArgumentException("output: " + text + " (expected: state, observables, time, step_counts, or a metric: "
                + String.join(", ", NAMES) + ")");
    }

    static final List<String> NAMES = List.of("mean", "max", "min", "rms", "std", "max_magnitude", "extrema", "peaks[n]");

    /** Output values per variable. */
    public int slots() {
        return switch (kind) {
            case EXTREMA -> 2;
            case PEAKS -> peaks;
            default -> 1;
        };
    }

    /** Names of the output values, e.g. {@code [max, min]} for extrema, {@code [peak0, peak1]} for peaks[2]. */
    public List<String> slotNames() {
        return switch (kind) {
            case EXTREMA -> List.of("max", "min");
            case PEAKS -> java.util.stream.IntStream.range(0, peaks).mapToObj(i -> "peak" + i).toList();
            default -> List.of(toString());
        };
    }

    @Override
    public String toString() {
        return kind == Kind.PEAKS ? "peaks[" + peaks + "]" : kind.name().toLowerCase(Locale.ROOT);
    }
}
