package org.tornadobatch.device.tornadovm;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.List;

import org.tornadobatch.device.DeviceException;
import org.tornadobatch.device.Kernel;

import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.types.arrays.DoubleArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * A kernel class for TornadoVM, as the solver generates it: a static {@code run} (the task), {@code task(graph, id,
 * args)} adding it to a task graph, {@code pack(launchArgs, ints, reals)} putting a launch's scalars into two small
 * arrays, {@code mark}/{@code unrun} (marking one run per block of the launch in the {@code inout} status array, and
 * counting those a launch left marked), and the constants {@code ROLES} (how each array argument moves: {@code in},
 * {@code constant}, {@code out}, {@code inout}), {@code INTS} and {@code REALS} (the small arrays' lengths).
 */
final class TvmKernel implements Kernel {
    /** How an array argument moves between host and device. */
    enum Role { IN, CONSTANT, OUT, INOUT }

    private final String entryPoint;
    private final Method task;
    private final Method pack;
    private final Method mark;
    private final Method unrun;
    private final Class<?>[] arrayTypes;
    private final List<Role> roles;
    private final int ints;
    private final int reals;

    TvmKernel(Class<?> type) {
        this.entryPoint = type.getName();
        try {
            this.task = type.getMethod("task", TaskGraph.class, String.class, Object[].class);
            this.pack = type.getMethod("pack", Object[].class, IntArray.class, DoubleArray.class);
            this.mark = type.getMethod("mark", Object[].class, IntArray.class, int.class);
            this.unrun = type.getMethod("unrun", Object[].class, IntArray.class, int.class);
            Method run = java.util.Arrays.stream(type.getMethods()).filter(m -> m.getName().equals("run")).findFirst()
                    .orElseThrow(() -> new NoSuchMethodException("run"));
            this.roles = java.util.Arrays.stream(((String) type.getField("ROLES").get(null)).split(","))
                    .map(r -> Role.valueOf(r.trim().toUpperCase(java.util.Locale.ROOT))).toList();
            this.arrayTypes = java.util.Arrays.copyOf(run.getParameterTypes(), roles.size());
            this.ints = type.getField("INTS").getInt(null);
            this.reals = type.getField("REALS").getInt(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new DeviceException("kernel " + type.getName() + " is not a tornado-batch TornadoVM kernel (expected: static run, task,"
                    + " pack, mark, unrun, ROLES, INTS, REALS): " + e, e);
        }
    }

    List<Role> roles() {
        return roles;
    }

    Class<?> arrayType(int i) {
        return arrayTypes[i];
    }

    int ints() {
        return ints;
    }

    int reals() {
        return reals;
    }

    TaskGraph addTask(TaskGraph graph, String id, Object[] taskArgs) {
        return (TaskGraph) invoke(task, graph, id, taskArgs);
    }

    void pack(Object[] launchArgs, IntArray i, DoubleArray r) {
        invoke(pack, launchArgs, i, r);
    }

    /** Marks every {@code every}-th run of the launch (and its last) as not run. */
    void mark(Object[] launchArgs, IntArray status, int every) {
        invoke(mark, launchArgs, status, every);
    }

    /** How many runs {@link #mark} marked are still marked. */
    int unrun(Object[] launchArgs, IntArray status, int every) {
        return (Integer) invoke(unrun, launchArgs, status, every);
    }

    private Object invoke(Method m, Object... args) {
        try {
            return m.invoke(null, args);
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new DeviceException(entryPoint + "." + m.getName() + ": " + e.getCause(), e);
        } catch (IllegalAccessException e) {
            throw new DeviceException(entryPoint + "." + m.getName() + ": " + e, e);
        }
    }

    @Override
    public String entryPoint() {
        return entryPoint;
    }

    @Override
    public void close() {
        // The class goes with its loader; plans that used it are closed by the runtime.
    }
}
