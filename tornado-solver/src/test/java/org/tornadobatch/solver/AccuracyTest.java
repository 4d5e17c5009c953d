package org.tornadobatch.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.hipparchus.ode.ODEState;
import org.hipparchus.ode.OrdinaryDifferentialEquation;
import org.hipparchus.ode.nonstiff.DormandPrince853Integrator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.tornadobatch.memory.MemoryManager;
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.Controller;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.system.Interpreter;
import org.tornadobatch.system.OdeSystem;

/** Order of accuracy of every method with fixed steps; adaptive methods against Hipparchus at 1e-12. */
class AccuracyTest {
    private static MemoryManager memory;

    @BeforeAll
    static void open() {
        memory = Problems.memory();
    }

    @AfterAll
    static void close() {
        memory.close();
    }

    /**
     * Largest step of the halving sequence per order, chosen so that the errors lie above round-off and in the
     * asymptotic range. Methods of order 5 and more run the oscillator over a long span (200), so that their
     * small errors grow well above round-off. Rodas5P is of order 6 on linear problems (its stability function
     * matches the exponential further than its order), so it runs the short span with the nonlinear logistic
     * equation, whose error shows order 5.
     */
    private static double baseDt(Algorithm algorithm) {
        if (algorithm == Algorithm.RODAS5P) {
            return 0.2;
        }
        if (algorithm == Algorithm.GAUSS_LEGENDRE_4) {
            return 1; // order 8 and a small error constant: at 1/2 its third halving reaches round-off
        }
        return switch (algorithm.tableau().order()) {
            case 1 -> 0.02;
            case 2 -> 0.05;
            case 3 -> 0.1;
            case 4 -> 0.2;
            case 5 -> 1.0 / 16;
            case 7 -> 1.0 / 4;
            default -> 1.0 / 2;
        };
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void errorFallsAtTheMethodsOrder(Algorithm algorithm) {
        int order = algorithm.tableau().order();
        boolean high = order >= 5 && algorithm != Algorithm.RODAS5P;
        double duration = high ? 200 : 4;
        List<double[]> points = new ArrayList<>();
        StringBuilder table = new StringBuilder();
        for (int k = 0; k < 4; k++) {
            double dt = baseDt(algorithm) / (1 << k);
            double err = 0;
            try (Solver s = Solver.builder(Problems.OSCILLATOR).algorithm(algorithm)
                    .stepControl(StepControl.builder().controller(Controller.FIXED).dt(dt)).memoryManager(memory).build();
                 SolveResult r = s.solve(Batch.defaults(Problems.OSCILLATOR), TimeSpec.of(duration))) {
                err = Math.max(Math.abs(r.state().get(1, 0, 0) - Math.cos(duration)),
                        Math.abs(r.state().get(1, 1, 0) + Math.sin(duration)));
                assertEquals(Math.round(duration / dt), r.acceptedSteps()[0], "steps at dt " + dt);
            }
            if (!high) {
                try (Solver s = Solver.builder(Problems.LOGISTIC).algorithm(algorithm)
                        .stepControl(StepControl.builder().controller(Controller.FIXED).dt(dt)).memoryManager(memory).build();
                     SolveResult r = s.solve(Batch.defaults(Problems.LOGISTIC), TimeSpec.of(duration))) {
                    double exact = 1 / (1 + (1 / 0.1 - 1) * Math.exp(-2 * duration));
                    err = Math.max(err, Math.abs(r.state().get(1, 0, 0) - exact));
                }
            }
            table.append(String.format(" dt %.4g: %.2e;", dt, err));
            if (err > 1e-13) {
                points.add(new double[] {Math.log(dt), Math.log(err)});
            }
        }
        assertTrue(points.size() >= 3, algorithm + ": errors reach round-off too early:" + table);
        double slope = slope(points);
        System.out.printf("order %s: nominal %d, fitted %.3f;%s%n", algorithm, order, slope, table);
        assertEquals(order, slope, 0.3, algorithm + " fitted order;" + table);
    }

    private static double slope(List<double[]> p) {
        double mx = p.stream().mapToDouble(a -> a[0]).average().orElseThrow();
        double my = p.stream().mapToDouble(a -> a[1]).average().orElseThrow();
        double num = 0;
        double den = 0;
        for (double[] a : p) {
            num += (a[0] - mx) * (a[1] - my);
            den += (a[0] - mx) * (a[0] - mx);
        }
        return num / den;
    }

    static double[] hipparchus(OdeSystem system, double[] y0, double[] p, double duration) {
        Interpreter f = new Interpreter(system);
        OrdinaryDifferentialEquation ode = new OrdinaryDifferentialEquation() {
            @Override
            public int getDimension() {
                return y0.length;
            }

            @Override
            public double[] computeDerivatives(double t, double[] y) {
                double[] d = new double[y.length];
                f.derivatives(t, y, p, d);
                return d;
            }
        };
        DormandPrince853Integrator dp = new DormandPrince853Integrator(1e-12, 10, 1e-12, 1e-12);
        return dp.integrate(ode, new ODEState(0, y0.clone()), duration).getPrimaryState();
    }

    private static double[] defaults(List<org.tornadobatch.system.Variable> vars) {
        return vars.stream().mapToDouble(org.tornadobatch.system.Variable::defaultValue).toArray();
    }

    /**
     * Final-state error of every adaptive method and controller, scaled by {@code tol * (1 + |reference|)}, must stay
     * below 150: the global error of a chaotic (Lorenz), a stiff-ish (Van der Pol, mu = 5) and a driven (pendulum)
     * problem against local error control. The printed table gives the factors met.
     */
    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = {"BOGACKI_SHAMPINE_32", "CASH_KARP_54", "FEHLBERG_45", "DORMAND_PRINCE_54",
            "TSIT5", "VERN7", "DORMAND_PRINCE_853"})
    void adaptiveMethodsMeetTheirTolerance(Algorithm algorithm) {
        Object[][] cases = {{Problems.LORENZ, 1.0}, {Problems.VAN_DER_POL, 5.0}, {Problems.PENDULUM, 10.0}};
        for (Controller c : new Controller[] {Controller.PI, Controller.I, Controller.PID, Controller.GUSTAFSSON}) {
            for (double tol : new double[] {1e-6, 1e-9}) {
                for (Object[] cs : cases) {
                    OdeSystem sys = (OdeSystem) cs[0];
                    double duration = (double) cs[1];
                    double[] ref = hipparchus(sys, defaults(sys.states()), defaults(sys.parameters()), duration);
                    try (Solver s = Solver.builder(sys).algorithm(algorithm)
                            .stepControl(StepControl.builder().controller(c).atol(tol).rtol(tol)).memoryManager(memory).build();
                         SolveResult r = s.solve(Batch.defaults(sys), TimeSpec.of(duration))) {
                        assertEquals(0, r.status()[0], "status");
                        double worst = 0;
                        for (int i = 0; i < ref.length; i++) {
                            double scaled = Math.abs(r.state().get(1, i, 0) - ref[i]) / (tol * (1 + Math.abs(ref[i])));
                            worst = Math.max(worst, scaled);
                        }
                        System.out.printf("adaptive %s %s tol %.0e %s: %d accepted, %d rejected, error %.2f x tol%n", algorithm, c, tol,
                                sys.name(), r.acceptedSteps()[0], r.rejectedSteps()[0], worst);
                        assertTrue(worst < 150, algorithm + " " + c + " on " + sys.name() + " at " + tol + ": error " + worst + " x tol");
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = {"DORMAND_PRINCE_54", "CLASSICAL_RK4"})
    void float32IsCloseToFloat64(Algorithm algorithm) {
        double[] rho = {0, 10, 21};
        Batch b = Batch.grid(Problems.LORENZ, Map.of("rho", rho), GridKind.COMBINATORIAL);
        StepControl.Builder ctl = algorithm.isAdaptive() ? StepControl.builder().atol(1e-5).rtol(1e-5) : StepControl.builder().dt(1e-3);
        try (Solver s64 = Solver.builder(Problems.LORENZ).algorithm(algorithm).stepControl(ctl).memoryManager(memory).build();
             Solver s32 = Solver.builder(Problems.LORENZ).algorithm(algorithm).stepControl(ctl).precision(Precision.FLOAT32)
                     .memoryManager(memory).build();
             SolveResult a = s64.solve(b, TimeSpec.of(1));
             SolveResult f = s32.solve(b, TimeSpec.of(1))) {
            assertEquals(org.tornadobatch.memory.ElementType.FLOAT32, f.state().type());
            for (int r = 0; r < rho.length; r++) {
                for (int v = 0; v < 3; v++) {
                    assertEquals(a.state().get(1, v, r), f.state().get(1, v, r), 1e-3 * (1 + Math.abs(a.state().get(1, v, r))));
                }
            }
        }
    }
}
