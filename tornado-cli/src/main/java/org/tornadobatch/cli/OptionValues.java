package org.tornadobatch.cli;

import org.tornadobatch.solver.Sweep;

/**
 * The values of {@code solve}'s options, parsed and checked: {@code NAME=VALUE} pairs, finite numbers, sweeps and lists
 * of a given length; each bad value is an {@link IllegalArgumentException} with one line that names the option, the
 * value and the form expected.
 */
final class OptionValues {
    private OptionValues() {
    }

    /** {@code NAME=VALUE} of {@code option} as {name, value}, both trimmed; else an error naming the option and {@code form}. */
    static String[] split(String s, String option, String form) {
        int eq = s.indexOf('=');
        if (eq <= 0 || eq == s.length() - 1) {
            throw new IllegalArgumentException(option + ": '" + s + "' (expected: " + form + ")");
        }
        return new String[] {s.substring(0, eq).trim(), s.substring(eq + 1).trim()};
    }

    /** {@code s} as a finite decimal number; else one line naming {@code what}. */
    static double number(String s, String what) {
        double v;
        try {
            v = Double.parseDouble(s);
        } catch (NumberFormatException e) {
            v = Double.NaN;
        }
        if (!Double.isFinite(v) || !s.trim().matches("[-+]?[0-9.]+([eE][-+]?[0-9]+)?")) {
            throw new IllegalArgumentException(what + ": '" + s + "' (expected: a finite number)");
        }
        return v;
    }

    /**
     * {@code --sweep NAME=START:STOP:COUNT}, checked (one line naming the part at fault): a description, whose values
     * are computed where the solve fills the device's rows and where {@code grid/NAME.npy} is written (no array of them).
     */
    static Sweep.Linspace linspace(String name, String spec) {
        String[] p = spec.split(":");
        if (p.length != 3) {
            throw new IllegalArgumentException("--sweep " + name + ": '" + spec + "' (expected: START:STOP:COUNT)");
        }
        double a = number(p[0], "--sweep " + name + " START");
        double b = number(p[1], "--sweep " + name + " STOP");
        long n;
        try {
            n = Long.parseLong(p[2].trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--sweep " + name + " COUNT: '" + p[2] + "' (expected: a whole number >= 1)");
        }
        if (n < 1 || n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("--sweep " + name + " COUNT: " + n + " (expected: 1 to " + (Integer.MAX_VALUE - 8) + ")");
        }
        return new Sweep.Linspace(a, b, (int) n);
    }

    /** {@code v} when it holds {@code min} to {@code max} numbers; else one line naming the option. */
    static double[] values(String option, double[] v, int min, int max) {
        if (v.length < min || v.length > max) {
            throw new IllegalArgumentException(option + ": " + java.util.Arrays.toString(v) + " (expected: " + min + (max > min ? " or " + max : "")
                    + " comma-separated numbers)");
        }
        return v;
    }
}
