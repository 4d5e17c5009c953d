package org.tornadobatch.system;

import java.util.Map;
import java.util.Set;

/** The functions and names that equations may use without declaring them. */
public final class Builtins {
    /** Function name to {min, max} argument count. */
    public static final Map<String, int[]> FUNCTIONS = Map.ofEntries(
            Map.entry("sin", new int[] {1, 1}), Map.entry("cos", new int[] {1, 1}), Map.entry("tan", new int[] {1, 1}),
            Map.entry("asin", new int[] {1, 1}), Map.entry("acos", new int[] {1, 1}), Map.entry("atan", new int[] {1, 1}),
            Map.entry("atan2", new int[] {2, 2}), Map.entry("sinh", new int[] {1, 1}), Map.entry("cosh", new int[] {1, 1}),
            Map.entry("tanh", new int[] {1, 1}), Map.entry("exp", new int[] {1, 1}), Map.entry("log", new int[] {1, 1}),
            Map.entry("log10", new int[] {1, 1}), Map.entry("sqrt", new int[] {1, 1}), Map.entry("abs", new int[] {1, 1}),
            Map.entry("pow", new int[] {2, 2}), Map.entry("min", new int[] {2, Integer.MAX_VALUE}),
            Map.entry("max", new int[] {2, Integer.MAX_VALUE}), Map.entry("floor", new int[] {1, 1}),
            Map.entry("ceil", new int[] {1, 1}), Map.entry("ifelse", new int[] {3, 3}));

    /** Time. */
    public static final String TIME = "t";
    /** Names that are not variables but may appear in equations. */
    public static final Set<String> NAMES = Set.of(TIME, "pi");

    private Builtins() {
    }

    /** True when {@code name} may not be declared (a function, {@code t} or {@code pi}). */
    public static boolean isReserved(String name) {
        return FUNCTIONS.containsKey(name) || NAMES.contains(name);
    }
}
