package org.tornadobatch.solver;

import java.util.stream.IntStream;

/**
 * One state's or parameter's value in every run of a {@link Batch}, as the batch holds it, without a value per run
 * in memory: a list of values (or a {@link Sweep.Linspace} that computes them), each repeated for {@code stride}
 * consecutive runs and the list repeated from its start (a combinatorial grid's columns: the last variable has stride 1,
 * the one before it the last one's length, ...), from run {@code offset} of that sequence on (a slice of a batch). A
 * list of one value is a column that every run shares (a default, a set value). The solve fills the device's rows
 * from it ({@link #copyTo}) block by block on all cores.
 */
public final class RunColumn {
    /** The listed values, or null where {@link #sweep} computes them. */
    private final double[] values;
    private final Sweep.Linspace sweep;
    private final int length;
    private final long stride;
    private final long offset;
    private final int runs;

    RunColumn(double[] values, Sweep.Linspace sweep, long stride, long offset, int runs) {
        this.values = values;
        this.sweep = sweep;
        this.length = values != null ? values.length : sweep.count();
        this.stride = stride;
        this.offset = offset;
        this.runs = runs;
    }

    /** A column of {@code runs} runs from an array of a value per run, or of one value that every run shares. */
    public static RunColumn of(double[] values, int runs) {
        if (values.length != 1 && values.length != runs) {
            throw new IllegalArgumentException("values: " + values.length + " (expected: 1, or one per run: " + runs + ")");
        }
        return new RunColumn(values, null, 1, 0, runs);
    }

    /** How many runs the column covers. */
    public int runs() {
        return runs;
    }

    /** Whether every run has the same value (then {@link #get}{@code (0)} is it). */
    public boolean shared() {
        return length == 1;
    }

    /** The value of run {@code r}. */
    public double get(long r) {
        return value((int) (((r + offset) / stride) % length));
    }

    private double value(int k) {
        return values != null ? values[k] : sweep.get(k);
    }

    /**
     * The array that holds exactly this column's value per run (read it, do not modify it), or null where the column
     * is computed, repeats values or is a slice of another.
     */
    public double[] perRunArray() {
        return values != null && stride == 1 && offset == 0 && length == runs ? values : null;
    }

    /** Writes the values of runs {@code from .. from + n - 1} into {@code dst} from index {@code at}. */
    public void copyTo(double[] dst, int at, long from, int n) {
        if (n <= 0) {
            return;
        }
        long pos = from + offset;
        if (length == 1) {
            java.util.Arrays.fill(dst, at, at + n, value(0));
            return;
        }
        int k = (int) ((pos / stride) % length);
        if (values != null && stride == 1) { // the list itself, from k on, again from its start where it ends
            for (int j = 0; j < n; ) {
                int len = Math.min(n - j, length - k);
                System.arraycopy(values, k, dst, at + j, len);
                j += len;
                k = 0;
            }
            return;
        }
        long left = stride - pos % stride; // runs until the value moves on
        if (stride == 1 && sweep != null) { // Sweep.Linspace.get written out (a cold JVM interprets this loop)
            double start = sweep.start();
            double span = sweep.stop() - start;
            int last = length - 1;
            if (k + n <= length) { // no wrap: a loop the JIT vectorises
                for (int j = 0; j < n; j++) {
                    dst[at + j] = start + span * (k + j) / last;
                }
                return;
            }
            for (int j = 0; j < n; j++) {
                dst[at + j] = start + span * k / last;
                k = k == last ? 0 : k + 1;
            }
            return;
        }
        double v = value(k);
        for (int j = 0; j < n; j++) {
            dst[at + j] = v;
            if (--left == 0) {
                left = stride;
                k = k + 1 == length ? 0 : k + 1;
                v = value(k);
            }
        }
    }

    /** The value of every run, in a new array (on all cores, in blocks, for large columns). */
    public double[] toArray() {
        double[] out = new double[runs];
        int block = 1 << 16;
        int blocks = (runs + block - 1) / block;
        if (blocks <= 1) {
            copyTo(out, 0, 0, runs);
        } else {
            org.tornadobatch.HostThreads.parallel(() -> IntStream.range(0, blocks).parallel().forEach(b -> {
                int from = b * block;
                copyTo(out, from, from, Math.min(block, runs - from));
            }));
        }
        return out;
    }

    /** Runs {@code first .. first + count - 1} of this column. */
    RunColumn slice(long first, int count) {
        return new RunColumn(values, sweep, stride, length == 1 ? 0 : offset + first, count);
    }
}
