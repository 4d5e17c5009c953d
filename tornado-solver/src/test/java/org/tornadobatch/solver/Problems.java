package org.tornadobatch.solver;

import org.tornadobatch.device.jvm.JvmRuntime;
import org.tornadobatch.memory.MemoryManager;
import org.tornadobatch.system.OdeSystem;

/** Reference problems and a small jvm-backed memory manager for tests. */
final class Problems {
    private Problems() {
    }

    static final OdeSystem DECAY = OdeSystem.parse("""
            states: y = 1
            parameters: k = 1.5
            dy = -k * y
            """, "decay");

    /** x'' = -w^2 x: x = cos(w t), v = -w sin(w t). */
    static final OdeSystem OSCILLATOR = OdeSystem.parse("""
            states: x = 1, v = 0
            parameters: w = 1
            dx = v
            dv = -w^2 * x
            """, "oscillator");

    /** y' = r y (1 - y/K): y = K / (1 + (K/y0 - 1) exp(-r t)). */
    static final OdeSystem LOGISTIC = OdeSystem.parse("""
            states: y = 0.1
            parameters: r = 2
            constants: K = 1
            dy = r * y * (1 - y / K)
            """, "logistic");

    static final OdeSystem LORENZ = OdeSystem.parse("""
            states: x = 1.0, y = 0.0, z = 0.0
            parameters: sigma = 10.0, rho = 28.0
            constants: beta = 8/3
            dx = sigma * (y - x)
            dy = x * (rho - z) - y
            dz = x * y - beta * z
            """, "lorenz");

    static final OdeSystem VAN_DER_POL = OdeSystem.parse("""
            states: x = 2, v = 0
            parameters: mu = 5
            dx = v
            dv = mu * (1 - x^2) * v - x
            """, "vanderpol");

    /** Robertson's stiff kinetics (Hairer and Wanner II, IV.1 and the IVP test set). */
    static final OdeSystem ROBERTSON = OdeSystem.parse("""
            states: y1 = 1, y2 = 0, y3 = 0
            parameters: k1 = 0.04, k2 = 3e7, k3 = 1e4
            dy1 = -k1 * y1 + k3 * y2 * y3
            dy2 = k1 * y1 - k3 * y2 * y3 - k2 * y2 * y2
            dy3 = k2 * y2 * y2
            """, "robertson");

    /** {@link #ROBERTSON}'s published state at t = 40. */
    static final double[] ROBERTSON_AT_40 = {0.7158270687193, 9.185534764557e-6, 0.2841637457458};

    static final OdeSystem PENDULUM = OdeSystem.parse("""
            states: theta = 0.2, omega = 0
            parameters: damping = 0.5, drive = 1.2, freq = 0.667
            constants: g_over_l = 1
            observables: energy, side
            energy = 0.5 * omega^2 + g_over_l * (1 - cos(theta))
            side = ifelse(sin(theta) >= 0, 1, -1)
            dtheta = omega
            domega = -damping * omega - g_over_l * sin(theta) + drive * cos(freq * t)
            """, "pendulum");

    static MemoryManager memory() {
        return MemoryManager.builder(new JvmRuntime(1L << 30, 2)).build();
    }

    /** The last saved sample of every saved state of {@code run}. */
    static double[] finalState(SolveResult r, int run) {
        int last = r.time().length - 1;
        double[] out = new double[(int) r.state().shape()[1]];
        for (int v = 0; v < out.length; v++) {
            out[v] = r.state().get(last, v, run);
        }
        return out;
    }
}
