package org.tornadobatch.examples;

import java.util.Map;

import org.tornadobatch.solver.SolveOptions;
import org.tornadobatch.solver.SolveResult;
import org.tornadobatch.solver.Solver;
import org.tornadobatch.solver.Sweep;
import org.tornadobatch.system.OdeSystem;

/** Van der Pol's oscillator for 1000 values of mu: the amplitude of its limit cycle, in one call. */
public class VanDerPolSweep {
    public static void main(String[] args) {
        OdeSystem vdp = OdeSystem.parse("""
                states: x = 2.0, v = 0.0
                parameters: mu = 1.0
                dx = v
                dv = mu * (1 - x^2) * v - x
                """, "vanderpol");
        double[] mu = Sweep.logspace(-1, 1, 1000);
        try (SolveResult r = Solver.solveIvp(vdp, Map.of("mu", mu), 50,
                SolveOptions.defaults().tolerances(1e-8, 1e-8).warmup(50).outputs("max").sampleEvery(0.01))) {
            double[][] amplitude = r.summary("x", "max");
            for (int i = 0; i < mu.length; i += 111) {
                System.out.printf("mu = %8.4f  amplitude = %.6f  steps = %d%n", mu[i], amplitude[0][i], r.run(i).acceptedSteps());
            }
            System.out.println("runs " + r.runs() + ", failed " + r.failureCount() + ", on " + r.info().backend());
        }
    }
}
