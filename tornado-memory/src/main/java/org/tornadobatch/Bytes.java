package org.tornadobatch;

import java.util.Locale;

/** Formats byte counts for messages: {@code 3.1 GiB (3328599654 bytes)}. */
public final class Bytes {
    /** One kibibyte, 2^10 bytes. */
    public static final long KiB = 1L << 10;
    /** One mebibyte, 2^20 bytes. */
    public static final long MiB = 1L << 20;
    /** One gibibyte, 2^30 bytes. */
    public static final long GiB = 1L << 30;

    private Bytes() {
    }

    /** A short human form: {@code 512 B}, {@code 1.5 KiB}, {@code 3.1 GiB}. */
    public static String format(long bytes) {
        long a = Math.abs(bytes);
        if (a < KiB) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = bytes;
        int u = -1;
        while (Math.abs(v) >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    /** The short form with the exact count: {@code 1.5 KiB (1536 bytes)}. */
    public static String exact(long bytes) {
        return Math.abs(bytes) < KiB ? bytes + " bytes" : format(bytes) + " (" + bytes + " bytes)";
    }

    /** Checks a size argument: {@code name: value (expected: >= 0)}. */
    public static long requireNonNegative(String name, long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException(name + ": " + bytes + " (expected: >= 0)");
        }
        return bytes;
    }

    /** Checks a size argument: {@code name: value (expected: > 0)}. */
    public static long requirePositive(String name, long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException(name + ": " + bytes + " (expected: > 0)");
        }
        return bytes;
    }
}
