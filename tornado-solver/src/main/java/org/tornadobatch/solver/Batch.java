package org.tornadobatch.solver;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

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
    /** One column per state and parameter: a value per run, computed or listed, or one value every run shares. */
    private final RunColumn[] states;
    private final RunColumn[] parameters;
    private final int runs;
    /** The columns given values (swept, set or read), in column order; the others hold the system's defaults. */
    private final List<String> given;

    private Batch(OdeSystem system, RunColumn[] states, RunColumn[] parameters, int runs, List<String> given) {
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
     * {@code (1,10) (1,20) (1,30) (2,10) (2,20) (2,30)}. Every value must be finite. The lists are copied; the
     * batch holds each column as its list and its stride, not a value per run.
     */
    public static Batch grid(OdeSystem system, Map<String, double[]> values, GridKind kind) {
        return grid(system, values, Map.of(), kind);
    }

    /**
     * Runs from value lists and from {@link Sweep.Linspace} sweeps, combined as {@link #grid(OdeSystem, Map, GridKind)}
     * combines lists (a sweep is the list {@code Sweep.linspace} would make). A sweep is kept as its description: its
     * values are computed where the solve fills the device's rows, so a batch of millions of swept runs holds no array
     * of them (what the command line's {@code --sweep} does).
     */
    public static Batch grid(OdeSystem system, Map<String, double[]> values, Map<String, Sweep.Linspace> sweeps, GridKind kind) {
        Map<String, Object> sources = new LinkedHashMap<>();
        for (Map.Entry<String, double[]> e : values.entrySet()) {
            String name = e.getKey();
            index(system, name);
            double[] v = e.getValue();
            if (v.length == 0) {
                throw new IllegalArgumentException("values of '" + name + "': none (expected: at least one value)");
            }
            int bad = IntStream.range(0, v.length).parallel().filter(i -> !Double.isFinite(v[i])).findFirst().orElse(-1);
            if (bad >= 0) {
                throw new IllegalArgumentException("values of '" + name + "': value " + bad + " is " + v[bad] + " (expected: a finite number)");
            }
            sources.put(name, v);
        }
        for (Map.Entry<String, Sweep.Linspace> e : sweeps.entrySet()) {
            index(system, e.getKey());
            if (sources.put(e.getKey(), e.getValue()) != null) {
                throw new IllegalArgumentException("'" + e.getKey() + "' is given twice, as values and as a sweep (give one)");
            }
        }
        List<String> names = new ArrayList<>(sources.keySet());
        names.sort(java.util.Comparator.comparingInt(n -> declarationIndex(system, n)));
        long count;
        if (kind == GridKind.COMBINATORIAL) {
            count = 1;
            for (String n : names) {
                count = Math.multiplyExact(count, length(sources.get(n)));
            }
        } else {
            count = 1;
            String first = null;
            for (String n : names) {
                int len = length(sources.get(n));
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
        long bytes = names.stream().map(sources::get).filter(double[].class::isInstance).mapToLong(v -> ((double[]) v).length).sum() * Double.BYTES;
        requireHeap(bytes, "runs: " + runs + " need " + org.tornadobatch.Bytes.format(bytes) + " of inputs", "split the batch");
        // Each column is its list (a copy) or sweep with the list's stride (combinatorial: the last name fastest).
        int columns = system.states().size() + system.parameters().size();
        RunColumn[] cols = new RunColumn[columns];
        long stride = 1;
        for (int k = names.size() - 1; k >= 0; k--) {
            int c = declarationIndex(system, names.get(k));
            Object src = sources.get(names.get(k));
            int len = length(src);
            long st = kind == GridKind.COMBINATORIAL ? stride : 1;
            cols[c] = src instanceof double[] v ? new RunColumn(copy(v), null, st, 0, runs) : new RunColumn(null, (Sweep.Linspace) src, st, 0, runs);
            if (kind == GridKind.COMBINATORIAL) {
                stride *= len;
            }
        }
        int states = system.states().size();
        for (int c = 0; c < columns; c++) {
            if (cols[c] == null) {
                double d = c < states ? system.states().get(c).defaultValue() : system.parameters().get(c - states).defaultValue();
                cols[c] = new RunColumn(new double[] {d}, null, 1, 0, runs);
            }
        }
        List<String> given = new ArrayList<>();
        for (int c = 0; c < columns; c++) {
            String name = c < states ? system.stateNames().get(c) : system.parameterNames().get(c - states);
            if (sources.containsKey(name)) {
                given.add(name);
            }
        }
        return new Batch(system, Arrays.copyOfRange(cols, 0, states), Arrays.copyOfRange(cols, states, columns), runs, given);
    }

    private static int length(Object source) {
        return source instanceof double[] v ? v.length : ((Sweep.Linspace) source).count();
    }

    /** A copy of {@code v}, on all cores for a long one ({@link org.tornadobatch.memory.host.HostCopy#copy}). */
    private static double[] copy(double[] v) {
        double[] c = new double[v.length];
        org.tornadobatch.memory.host.HostCopy.copy(java.lang.foreign.MemorySegment.ofArray(v), 0, java.lang.foreign.MemorySegment.ofArray(c), 0,
                (long) v.length * Double.BYTES);
        return c;
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
        return states[i].get(r);
    }

    /** Value of parameter {@code i} in run {@code r}. */
    public double parameter(int i, int r) {
        return parameters[i].get(r);
    }

    /** The runs {@code first..first+count-1} as a batch of their own. */
    public Batch slice(int first, int count) {
        RunColumn[] s = new RunColumn[states.length];
        RunColumn[] p = new RunColumn[parameters.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = states[i].slice(first, count);
        }
        for (int i = 0; i < p.length; i++) {
            p[i] = parameters[i].slice(first, count);
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
     * Initial values of state {@code i}, one per run: the batch's own array (do not modify) where it holds one, else a
     * new one (a shared value, a sweep, a combinatorial column: see {@link #stateColumn}).
     */
    public double[] stateRow(int i) {
        return perRun(states[i]);
    }

    /** Values of parameter {@code i}, one per run, like {@link #stateRow}. */
    public double[] parameterRow(int i) {
        return perRun(parameters[i]);
    }

    /** Initial values of state {@code i} as the batch holds them (a list or sweep and its stride, or one shared value). */
    public RunColumn stateColumn(int i) {
        return states[i];
    }

    /** Values of parameter {@code i} as the batch holds them, like {@link #stateColumn}. */
    public RunColumn parameterColumn(int i) {
        return parameters[i];
    }

    private static double[] perRun(RunColumn column) {
        double[] own = column.perRunArray();
        return own != null ? own : column.toArray();
    }
}
