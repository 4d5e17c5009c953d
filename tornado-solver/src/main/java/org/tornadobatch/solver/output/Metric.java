package org.tornadobatch.solver.output;

import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * A summary metric over a summary window: its kind and, for the counted kinds ({@code peaks[n]} and the like), the
 * number of values. Outputs per variable: {@code mean, max, min, rms, std, max_magnitude} one value;
 * {@code extrema} two (max, min); {@code peaks[n]} n values, the times of the first n local maxima of the window
 * (NaN where there are fewer), {@code negative_peaks[n]} those of the local minima, and {@code peak_indices[n]},
 * {@code negative_peak_indices[n]} their sample indices within the window (as CuBIE's {@code peaks[n]} gives
 * them); {@code dxdt_max}, {@code dxdt_min} the extreme first derivative estimated from consecutive samples,
 * {@code d2xdt2_max}, {@code d2xdt2_min} the second, and {@code dxdt_extrema}, {@code d2xdt2_extrema} both (max,
 * min). {@code std} is the population standard deviation. The combined names {@code mean_std}, {@code std_rms}
 * and {@code mean_std_rms} stand for their parts ({@link #parse}).
 */
public record Metric(Kind kind, int peaks) {
    /** The kinds; counted ones take {@code [n]}. */
    public enum Kind {
        /** The mean over the window's samples. */
        MEAN,
        /** The largest sample. */
        MAX,
        /** The smallest sample. */
        MIN,
        /** The root mean square. */
        RMS,
        /** The population standard deviation. */
        STD,
        /** The largest absolute value. */
        MAX_MAGNITUDE,
        /** The largest and the smallest sample. */
        EXTREMA,
        /** The times of the first n local maxima. */
        PEAKS,
        /** The times of the first n local minima. */
        NEGATIVE_PEAKS,
        /** The sample indices of the first n local maxima. */
        PEAK_INDICES,
        /** The sample indices of the first n local minima. */
        NEGATIVE_PEAK_INDICES,
        /** The largest first derivative, from consecutive samples. */
        DXDT_MAX,
        /** The smallest first derivative. */
        DXDT_MIN,
        /** The largest and the smallest first derivative. */
        DXDT_EXTREMA,
        /** The largest second derivative, from consecutive samples. */
        D2XDT2_MAX,
        /** The smallest second derivative. */
        D2XDT2_MIN,
        /** The largest and the smallest second derivative. */
        D2XDT2_EXTREMA;

        /** Whether the kind records the first n peaks ({@code name[n]}). */
        public boolean counted() {
            return this == PEAKS || this == NEGATIVE_PEAKS || this == PEAK_INDICES || this == NEGATIVE_PEAK_INDICES;
        }

        /** Whether it finds local minima (else maxima); for counted kinds. */
        public boolean minima() {
            return this == NEGATIVE_PEAKS || this == NEGATIVE_PEAK_INDICES;
        }

        /** Whether it records sample indices (else times); for counted kinds. */
        public boolean indices() {
            return this == PEAK_INDICES || this == NEGATIVE_PEAK_INDICES;
        }

        /** The name in outputs lists, e.g. {@code dxdt_max}, {@code peaks}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The most peaks recorded per variable: each is a register of every thread, and the kernel keeps them in
     * straight-line code (the JVM refuses methods past 64 KB of bytecode).
     */
    public static final int MAX_PEAKS = 64;

    /** Requires a kind, and a count in 1 .. {@link #MAX_PEAKS} for counted kinds (0 for the others). */
    public Metric {
        if (kind.counted() && (peaks < 1 || peaks > MAX_PEAKS)) {
            throw new IllegalArgumentException("output: " + kind.label() + "[" + peaks + "] (expected: " + kind.label() + "[n] with 1 <= n <= "
                    + MAX_PEAKS + ")");
        }
    }

    /** Parses {@code mean}, {@code max}, ..., {@code peaks[3]}; a combined name such as {@code mean_std} is an error here. */
    public static Metric of(String text) {
        List<Metric> all = parse(text);
        if (all.size() != 1) {
            throw new IllegalArgumentException("output: " + text + " names " + all.size() + " metrics (expected one; use parse)");
        }
        return all.getFirst();
    }

    /** Parses one name of an outputs list into its metrics: one, or for {@code mean_std}, {@code std_rms}, {@code mean_std_rms} its parts. */
    public static List<Metric> parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        switch (t) {
            case "mean_std" -> {
                return List.of(new Metric(Kind.MEAN, 0), new Metric(Kind.STD, 0));
            }
            case "std_rms" -> {
                return List.of(new Metric(Kind.STD, 0), new Metric(Kind.RMS, 0));
            }
            case "mean_std_rms" -> {
                return List.of(new Metric(Kind.MEAN, 0), new Metric(Kind.STD, 0), new Metric(Kind.RMS, 0));
            }
            default -> {
            }
        }
        int bracket = t.indexOf('[');
        String name = bracket < 0 ? t : t.substring(0, bracket);
        for (Kind k : Kind.values()) {
            if (!k.label().equals(name)) {
                continue;
            }
            if (!k.counted()) {
                if (bracket >= 0) {
                    throw new IllegalArgumentException("output: " + text + " (expected: " + name + " without [n])");
                }
                return List.of(new Metric(k, 0));
            }
            String rest = bracket < 0 ? "" : t.substring(bracket);
            if (!rest.matches("\\[\\d{1,9}]")) {
                throw new IllegalArgumentException("output: " + text + " (expected: " + name + "[n] with a whole number 1 <= n <= " + MAX_PEAKS
                        + ")");
            }
            return List.of(new Metric(k, Integer.parseInt(rest.substring(1, rest.length() - 1))));
        }
        throw new IllegalArgumentException("output: " + text + " (expected: state, observables, time, step_counts, or a metric: "
                + String.join(", ", NAMES) + ")");
    }

    static final List<String> NAMES = List.of("mean", "max", "min", "rms", "std", "max_magnitude", "extrema", "peaks[n]", "negative_peaks[n]",
            "peak_indices[n]", "negative_peak_indices[n]", "dxdt_max", "dxdt_min", "dxdt_extrema", "d2xdt2_max", "d2xdt2_min", "d2xdt2_extrema",
            "mean_std", "std_rms", "mean_std_rms");

    /** Output values per variable. */
    public int slots() {
        return switch (kind) {
            case EXTREMA, DXDT_EXTREMA, D2XDT2_EXTREMA -> 2;
            default -> kind.counted() ? peaks : 1;
        };
    }

    /** Names of the output values, e.g. {@code [max, min]} for extrema, {@code [peak0, peak1]} for peaks[2]. */
    public List<String> slotNames() {
        String one = switch (kind) {
            case PEAKS -> "peak";
            case NEGATIVE_PEAKS -> "negative_peak";
            case PEAK_INDICES -> "peak_index";
            case NEGATIVE_PEAK_INDICES -> "negative_peak_index";
            default -> null;
        };
        return switch (kind) {
            case EXTREMA -> List.of("max", "min");
            case DXDT_EXTREMA -> List.of("dxdt_max", "dxdt_min");
            case D2XDT2_EXTREMA -> List.of("d2xdt2_max", "d2xdt2_min");
            default -> one != null ? IntStream.range(0, peaks).mapToObj(i -> one + i).toList() : List.of(toString());
        };
    }

    @Override
    public String toString() {
        return kind.counted() ? kind.label() + "[" + peaks + "]" : kind.label();
    }
}
