package org.tornadobatch.solver.kernel;

import java.util.Map;

import org.tornadobatch.device.DeviceBuffer;
import org.tornadobatch.device.KernelSignature;
import org.tornadobatch.device.LaunchArguments;

/**
 * The scalars of one launch of the integrator kernel (see {@link KernelArg}): the work range {@code [first, end)}
 * of runs within a chunk {@code stride} runs wide, the event count, the start time, the step control's values
 * and the numbers of saves and summary windows.
 */
public record LaunchScalars(int first, int end, int stride, int events, double t0, double dt, double dtMin, double dtMax, long maxSteps,
                            double[] atol, double[] rtol, int saves, int windows) {
    /** Copies the tolerances. */
    public LaunchScalars {
        atol = atol.clone();
        rtol = rtol.clone();
    }

    /** The same scalars for runs {@code [first, end)}. */
    public LaunchScalars range(int first, int end) {
        return new LaunchScalars(first, end, stride, events, t0, dt, dtMin, dtMax, maxSteps, atol, rtol, saves, windows);
    }

    /** The launch's arguments: these scalars and {@code arrays} (an array not made is absent). */
    public LaunchArguments arguments(KernelSignature signature, Map<KernelArg, DeviceBuffer> arrays) {
        LaunchArguments.Builder b = LaunchArguments.of(signature);
        for (KernelArg a : KernelArg.values()) {
            if (a.isArray()) {
                b.buffer(a.label(), arrays.get(a));
            }
        }
        return b.int32(KernelArg.FIRST.label(), first).int32(KernelArg.END.label(), end).int32(KernelArg.STRIDE.label(), stride)
                .int32(KernelArg.EVENTS.label(), events).float64(KernelArg.T0.label(), t0).float64(KernelArg.DT.label(), dt)
                .float64(KernelArg.DT_MIN.label(), dtMin).float64(KernelArg.DT_MAX.label(), dtMax).int64(KernelArg.MAX_STEPS.label(), maxSteps)
                .vector(KernelArg.ATOL.label(), atol).vector(KernelArg.RTOL.label(), rtol).int32(KernelArg.SAVES.label(), saves)
                .int32(KernelArg.WINDOWS.label(), windows).build();
    }
}
