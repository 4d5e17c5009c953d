package org.tornadobatch.solver.kernel;

import java.util.ArrayList;
import java.util.List;

import org.tornadobatch.solver.Precision;
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.Controller;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.solver.output.Metric;
import org.tornadobatch.system.OdeSystem;

/** The kernel variants the source tests compile: every algorithm, every controller in both precisions with summaries. */
final class KernelVariants {
    private KernelVariants() {
    }

    static final OdeSystem PENDULUM = OdeSystem.parse("""
            states: theta = 0.2, omega = 0
            parameters: damping = 0.5, drive = 1.2, freq = 0.667
            observables: energy
            energy = 0.5 * omega^2 + (1 - cos(theta))
            domega = -damping * omega - sin(theta) + drive * cos(freq * t) + ifelse(theta > 3, -abs(theta)^1.5, 0)
            dtheta = omega
            """, "pendulum");

    /** The pendulum driven by a sampled torque, read in a derivative and an observable. */
    static final OdeSystem DRIVEN = OdeSystem.parse("""
            states: theta = 0.2, omega = 0
            parameters: damping = 0.5
            drivers: torque, unused
            observables: work
            work = torque * omega
            domega = -damping * omega - sin(theta) + torque
            dtheta = omega
            """, "driven");

    /** The driven pendulum's kernel with shared drivers of {@code degree} (1 or 3), wrapped or clamped. */
    static KernelSpec driven(Precision p, int degree, boolean wrap) {
        return driven(p, degree, wrap, false);
    }

    /** The driven pendulum's kernel with drivers of {@code degree}, wrapped or clamped, shared or per run. */
    static KernelSpec driven(Precision p, int degree, boolean wrap, boolean perRun) {
        StepControl ctl = StepControl.builder().controller(Controller.PI).resolve(Algorithm.DORMAND_PRINCE_54, 2);
        return new KernelSpec(DRIVEN, Algorithm.DORMAND_PRINCE_54.tableau(), ctl, p, new int[] {0, 1}, new int[] {0}, new int[0], new int[0],
                List.of(), false, new DriverTable(DRIVEN.drivers(), degree, 16, wrap, 0.5, 0.125, perRun));
    }

    static KernelSpec spec(Algorithm a, Controller c, Precision p, boolean summaries) {
        StepControl ctl = StepControl.builder().controller(c).resolve(a, PENDULUM.states().size());
        int[] none = new int[0];
        List<Metric> metrics = summaries ? List.of(Metric.of("mean"), Metric.of("std"), Metric.of("extrema"), Metric.of("peaks[2]"),
                Metric.of("rms"), Metric.of("max_magnitude"), Metric.of("negative_peaks[2]"), Metric.of("peak_indices[1]"),
                Metric.of("negative_peak_indices[1]"), Metric.of("dxdt_extrema"), Metric.of("d2xdt2_extrema")) : List.of();
        return new KernelSpec(PENDULUM, a.tableau(), ctl, p, new int[] {0, 1}, new int[] {0}, summaries ? new int[] {1} : none,
                summaries ? new int[] {0} : none, metrics);
    }

    static List<KernelSpec> specs() {
        List<KernelSpec> specs = new ArrayList<>();
        for (Algorithm a : Algorithm.values()) {
            Controller c = a.tableau().hasErrorEstimate() ? Controller.PI : Controller.FIXED;
            specs.add(spec(a, c, Precision.FLOAT64, false));
        }
        for (Controller c : Controller.values()) {
            for (Precision p : Precision.values()) {
                specs.add(spec(Algorithm.DORMAND_PRINCE_54, c, p, true));
            }
        }
        for (Precision p : Precision.values()) {
            specs.add(driven(p, 3, true));
            specs.add(driven(p, 1, false));
            specs.add(driven(p, 3, false, true));
        }
        return specs;
    }
}
