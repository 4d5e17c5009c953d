package org.tornadobatch.solver;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.tornadobatch.system.OdeSystem;
import org.tornadobatch.system.Variable;

/**
 * The runs of a solve: an initial state and a parameter set per run, as (variable, run) tables, where a variable
 * that every run shares (a default, a set value) is held as one value ({@link #stateColumn}). Variables a
 * batch does not mention take the system's defaults. Unknown names and mismatched lengths are errors that
 * name the variable.
 */
public final class Batch {
    private final OdeSystem system;
    /** One array per state and parameter: a value per run, or one value that every run shares (a default, a set value). */
    private final double[][] states;
    private final double[][] parameters;
    private final int runs;
    /** The columns given values (swept, set or read), in column order; the others hold the system's defaults. */
    private final List<String> given;

    private Batch(OdeSystem system, double[][] states, double[][] parameters, int runs, List<String> given) {
        this.system = system;
        this.states = states;
        this.parameters = parameters;
        this.runs = runs;
        this.given = List.copyOf(given);
    }

    /** One run with every default. */
    public static Batch defaults(OdeSystem system) {
        return grid(system, Map.of(), GridKind.VERBATIM);
    }

    /**
     * Runs from per-variable value lists (states and parameters by name), combined as {@code kind} says.
     *
     * <p>The run order does not depend on the map's iteration order: the variables are taken in the system's
     * declaration order (states, then parameters). In a {@link GridKind#COMBINATORIAL} grid the first of them varies
     * slowest and the last fastest, as in {@code itertools.product}: for a system declaring {@code x, y} and
     * parameters {@code a, b}, sweeping {@code a = [1, 2]} and {@code b = [10, 20, 30]} gives runs
     * {@code (1,10) (1,20) (1,30) (2,10) (2,20) (2,30)}. Every value must be finite.
     */
    public static Batch grid(OdeSystem system, Map<String, double[]> values, GridKind kind) {
        for (Map.Entry<String, double[]> e : values.entrySet()) {
            String name = e.getKey();
            index(system, name);
            double[] v = e.getValue();
            if (v.length == 0) {
                throw new IllegalArgumentException("values of '" + name + "': none (expected: at least one value)");
            }
            for (int i = 0; i < v.length; i++) {
                if (!Double.isFinite(v[i])) {
                    throw new IllegalArgumentException("values of '" + name + "': value " + i + " is " + v[i] + " (expected: a finite number)");
                }
            }
        }
        List<String> names = new ArrayList<>(values.keySet());
        names.sort(java.util.Comparator.comparingInt(n -> declarationIndex(system, n)));
        long count;
        if (kind == GridKind.COMBINATORIAL) {
            count = 1;
            for (String n : names) {
                count = Math.multiplyExact(count, values.get(n).length);
            }
        } else {
            count = 1;
            String first = null;
            for (String n : names) {
                int len = values.get(n).length;
                if (len == 1) {
                    continue;
                }
                if (count == 1) {
                    count = len;
                    first = n;
                } else if (len != count) {
                    throw new IllegalArgumentException("values of '" + n + "': " + len + " (expected: " + count + " like '" + first
                            + "', or 1; a verbatim grid pairs the lists run by run)");
                }
            }
        }
        int runs = checkRuns(count);
        // Each column is one value every run shares (its default, or a sweep of one value), or the values of its sweep
        // with the sweep's stride (combinatorial: the last name fastest), allocated and filled on all cores, in blocks.
        int columns = system.states().size() + system.parameters().size();
        double[][] rows = new double[columns][];
        double[][] sweep = new double[columns][];
        long[] strides = new long[columns];
        long stride = 1;
        for (int k = names.size() - 1; k >= 0; k--) {
            int c = declarationIndex(system, names.get(k));
            double[] v = values.get(names.get(k));
            sweep[c] = v;
            strides[c] = kind == GridKind.COMBINATORIAL ? stride : (v.length == 1 ? Long.MAX_VALUE : 1);
            if (kind == GridKind.COMBINATORIAL) {
                stride *= v.length;
            }
        }
        List<Integer> varying = new ArrayList<>();
        for (int c = 0; c < columns; c++) {
            if (sweep[c] == null) {
                rows[c] = new double[] {c < system.states().size() ? system.states().get(c).defaultValue()
                        : system.parameters().get(c - system.states().size()).defaultValue()};
            } else if (sweep[c].length == 1) {
                rows[c] = new double[] {sweep[c][0]};
            } else {
                varying.add(c);
            }
        }
        long bytes = (long) varying.size() * runs * Double.BYTES;
        requireHeap(bytes, "runs: " + runs + " need " + org.tornadobatch.Bytes.format(bytes) + " of inputs", "split the batch");
        for (java.util.Iterator<Integer> it = varying.iterator(); it.hasNext(); ) {
            int c = it.next();
            if (strides[c] == 1 && sweep[c].length == runs) { // the sweep's values, run by run: one bulk copy
                rows[c] = sweep[c].clone();
                it.remove();
            }
        }
        int blocks = Math.max(1, Math.min(256, runs / 65536));
        org.tornadobatch.HostThreads.parallel(() -> {
            varying.parallelStream().forEach(c -> rows[c] = new double[runs]);
            java.util.stream.IntStream.range(0, varying.size() * blocks).parallel().forEach(j -> {
                int c = varying.get(j / blocks);
                int from = (int) ((long) runs * (j % blocks) / blocks);
                int to = (int) ((long) runs * (j % blocks + 1) / blocks);
                double[] row = rows[c];
                double[] v = sweep[c];
                long st = strides[c];
                int i = (int) ((from / st) % v.length);
                long left = st - from % st; // runs until the index moves on
                for (int r = from; r < to; r++) {
                    row[r] = v[i];
                    if (--left == 0) {
                        left = st;
                        i = i + 1 == v.length ? 0 : i + 1;
                    }
                }
            });
        });
        int states = system.states().size();
        List<String> given = new ArrayList<>();
        for (int c = 0; c < columns; c++) {
            if (sweep[c] != null) {
                given.add(c < states ? system.stateNames().get(c) : system.parameterNames().get(c - states));
            }
        }
        return new Batch(system, Arrays.copyOfRange(rows, 0, states), Arrays.copyOfRange(rows, states, columns), runs, given);
    }

    /** Runs from a table: {@code rows[i]} holds variable {@code names[i]} for every run. */
    public static Batch fromArray(OdeSystem system, List<String> names, double[][] rows) {
        if (names.size() != rows.length) {
            throw new IllegalArgumentException("rows: " + rows.length + " (expected: one per name, " + names.size() + ")");
        }
        Map<String, double[]> m = new LinkedHashMap<>();
        for (int i = 0; i < rows.length; i++) {
            if (m.put(names.get(i), rows[i]) != null) {
                throw new IllegalArgumentException("variable '" + names.get(i) + "' appears twice");
            }
        }
        return grid(system, m, GridKind.VERBATIM);
    }

    /**
     * Checks that {@code name} is a state or parameter of {@code system} (a column of a table of runs); the error
     * names the variable and lists the system's states and parameters.
     */
    public static void checkVariable(OdeSystem system, String name) {
        index(system, name);
    }

    /**
     * Refuses a batch whose tables (a double per state and parameter per run) would not fit in the heap this JVM
     * has left, at once rather than after a long out-of-memory struggle.
     */
    public static void checkHeap(OdeSystem system, long runs) {
        long bytes = (system.states().size() + (long) system.parameters().size()) * runs * Double.BYTES;
        requireHeap(bytes, "runs: " + runs + " need " + org.tornadobatch.Bytes.format(bytes) + " of inputs", "split the batch");
    }

    /** Refuses {@code bytes} of new Java arrays that would not fit in 90% of the heap left; says what and how to fix it. */
    public static void requireHeap(long bytes, String what, String remedy) {
        Runtime rt = Runtime.getRuntime();
        long left = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        if (bytes > left / 10 * 9) {
            throw new IllegalArgumentException(what + ", more than this JVM's heap has left (" + org.tornadobatch.Bytes.format(left)
                    + " of " + org.tornadobatch.Bytes.format(rt.maxMemory()) + "); " + remedy + ", or give the JVM more memory"
                    + " (TORNADO_BATCH_JAVA_OPTS=-Xmx...)");
        }
    }

    private static int checkRuns(long count) {
        if (count < 1) {
            throw new IllegalArgumentException("runs: 0 (expected: at least 1)");
        }
        if (count > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("runs: " + count + " (expected: at most " + (Integer.MAX_VALUE - 8)
                    + " per batch; split the sweep)");
        }
        return (int) count;
    }

    private static int[] index(OdeSystem system, String name) {
        List<Variable> s = system.states();
        for (int i = 0; i < s.size(); i++) {
            if (s.get(i).name().equals(name)) {
                return new int[] {0, i};
            }
        }
        List<Variable> p = system.parameters();
        for (int i = 0; i < p.size(); i++) {
            if (p.get(i).name().equals(name)) {
                return new int[] {1, i};
            }
        }
        String hint = system.constants().containsKey(name) ? "; '" + name + "' is a constant, compiled into the kernel: set it"
                + " with --set " + name + "=VALUE (or withConstant), which cannot vary per run" : "";
        throw new IllegalArgumentException("'" + name + "' is not a state or parameter of " + system.name() + " (states "
                + system.stateNames() + ", parameters " + system.parameterNames() + ")" + hint);
    }

    /** States first, then parameters, each in declaration order. */
    private static int declarationIndex(OdeSystem system, String name) {
        int[] at = index(system, name);
        return at[0] == 0 ? at[1] : system.states().size() + at[1];
    }

    /** The system the batch's values belong to. */
    public OdeSystem system() {
        return system;
    }

    /** How many runs the batch holds. */
    public int runs() {
        return runs;
    }

    /** Initial value of state {@code i} in run {@code r}. */
    public double state(int i, int r) {
        return at(states[i], r);
    }

    /** Value of parameter {@code i} in run {@code r}. */
    public double parameter(int i, int r) {
        return at(parameters[i], r);
    }

    private static double at(double[] column, int r) {
        return column[column.length == 1 ? 0 : r];
    }

    /** The runs {@code first..first+count-1} as a batch of their own. */
    public Batch slice(int first, int count) {
        double[][] s = new double[states.length][];
        double[][] p = new double[parameters.length][];
        for (int i = 0; i < s.length; i++) {
            s[i] = states[i].length == 1 ? states[i] : Arrays.copyOfRange(states[i], first, first + count);
        }
        for (int i = 0; i < p.length; i++) {
            p[i] = parameters[i].length == 1 ? parameters[i] : Arrays.copyOfRange(parameters[i], first, first + count);
        }
        return new Batch(system, s, p, count, given);
    }

    /** Column names of {@link #value}: states, then parameters. */
    public List<String> columns() {
        List<String> c = new ArrayList<>(system.stateNames());
        c.addAll(system.parameterNames());
        return c;
    }

    /**
     * The columns (see {@link #columns}) given values when the batch was made: swept, set or read from a table, in
     * column order. Every other column holds its default (the system's) in every run.
     */
    public List<String> givenColumns() {
        return given;
    }

    /** Value of column {@code c} (see {@link #columns}) in run {@code r}. */
    public double value(int c, int r) {
        return c < states.length ? state(c, r) : parameter(c - states.length, r);
    }

    /**
     * Initial values of state {@code i}, one per run: the batch's own array (do not modify), or a new one where every
     * run shares one value (see {@link #stateColumn}).
     */
    public double[] stateRow(int i) {
        return perRun(states[i]);
    }

    /** Values of parameter {@code i}, one per run, like {@link #stateRow}. */
    public double[] parameterRow(int i) {
        return perRun(parameters[i]);
    }

    /**
     * Initial values of state {@code i} as the batch holds them: one per run, or a single value every run shares (an
     * array of one element). The batch's own array, read by the solve pipeline; do not modify.
     */
    public double[] stateColumn(int i) {
        return states[i];
    }

    /** Values of parameter {@code i} as the batch holds them, like {@link #stateColumn}: do not modify. */
    public double[] parameterColumn(int i) {
        return parameters[i];
    }

    private double[] perRun(double[] column) {
        if (column.length == runs) {
            return column;
        }
        double[] row = new double[runs];
        Arrays.fill(row, column[0]);
        return row;
    }
}
