package org.tornadobatch.solver;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

import org.tornadobatch.memory.ElementType;
import org.tornadobatch.memory.host.HostArray;

/**
 * One result array on the host in (time, variable, run) order, the run fastest, with the names along its
 * variable axis. The memory belongs to the {@link SolveResult}; it is valid until the result is closed.
 */
public final class ResultArray {
    private final String name;
    private final HostArray array;
    private final List<String> variables;
    private final long[] shape;

    /** {@code array} (variables on its second axis, named by {@code variables}) as the output {@code name}. */
    public ResultArray(String name, HostArray array, List<String> variables) {
        this.name = name;
        this.array = array;
        this.variables = List.copyOf(variables);
        this.shape = array.shape();
    }

    /** The array's name, which is also its file's in a results folder (e.g. {@code state}). */
    public String name() {
        return name;
    }

    /** The element type of its values. */
    public ElementType type() {
        return array.type();
    }

    /** (time or window, variable or variable x slot, run). */
    public long[] shape() {
        return shape.clone();
    }

    /** Names along axis 1. */
    public List<String> variables() {
        return variables;
    }

    /** The raw memory, C order. */
    public MemorySegment segment() {
        return array.segment();
    }

    /** Element {@code (i, v, r)} as a double. */
    public double get(long i, long v, long r) {
        long idx = (i * shape[1] + v) * shape[2] + r;
        return switch (array.type()) {
            case FLOAT64 -> array.segment().getAtIndex(ValueLayout.JAVA_DOUBLE, idx);
            case INT32 -> array.segment().getAtIndex(ValueLayout.JAVA_INT, idx);
            default -> array.segment().getAtIndex(ValueLayout.JAVA_FLOAT, idx);
        };
    }

    /** The index of {@code variable} along axis 1; an unknown name is an error that lists the array's names. */
    public int indexOf(String variable) {
        int v = variables.indexOf(variable);
        if (v < 0) {
            throw new IllegalArgumentException(name + ": no variable '" + variable + "' (it holds " + variables + ")");
        }
        return v;
    }

    /** Variable {@code variable} of every run along axis 0: {@code [time or window][run]}. */
    public double[][] values(String variable) {
        int v = indexOf(variable);
        double[][] out = new double[(int) shape[0]][(int) shape[2]];
        for (int i = 0; i < out.length; i++) {
            long base = (i * shape[1] + v) * shape[2];
            switch (array.type()) {
                case FLOAT64 -> MemorySegment.copy(array.segment(), ValueLayout.JAVA_DOUBLE, base * 8, out[i], 0, out[i].length);
                default -> {
                    for (int r = 0; r < out[i].length; r++) {
                        out[i][r] = get(i, v, r);
                    }
                }
            }
        }
        return out;
    }

    /** Sets every value of run {@code r} to NaN (floating-point arrays only). */
    void setRunToNaN(long r) {
        long cells = shape[0] * shape[1];
        for (long c = 0; c < cells; c++) {
            long idx = c * shape[2] + r;
            switch (array.type()) {
                case FLOAT64 -> array.segment().setAtIndex(ValueLayout.JAVA_DOUBLE, idx, Double.NaN);
                case FLOAT32 -> array.segment().setAtIndex(ValueLayout.JAVA_FLOAT, idx, Float.NaN);
                default -> throw new IllegalStateException(name + " holds " + array.type() + ", which has no NaN");
            }
        }
    }

    /** The series of variable {@code v} in run {@code r}, along axis 0. */
    public double[] series(int v, int r) {
        double[] out = new double[(int) shape[0]];
        for (int i = 0; i < out.length; i++) {
            out[i] = get(i, v, r);
        }
        return out;
    }

    HostArray host() {
        return array;
    }
}
