package org.tornadobatch.solver.method;

import java.util.Arrays;
import java.util.OptionalDouble;

/**
 * How steps are chosen, fully resolved: the controller, step sizes, per-state tolerances and the controller's
 * coefficients. Make one with {@link #builder()}; {@link Builder#resolve} fills in the defaults for an
 * algorithm and a number of states and checks the values.
 *
 * <p>Defaults: atol = rtol = 1e-6; fixed dt 1e-3; adaptive dtMin 1e-6, dtMax 1, and without a {@code dt} the
 * first step of each run is estimated from its initial state (Hairer's estimate, clamped to [dtMin, dtMax];
 * {@link #estimatesInitialStep()}); a {@code dt} alone gives dtMin = dt/100 and dtMax = dt*100; safety 0.9; gains
 * 0.2 to 10; no deadband; at most 10^7 attempted steps per run. The PI and PID exponents default to Hairer's
 * stabilised PI control of DOPRI5 for every method: with p the order of the error estimate and beta = 0.04,
 * {@code kp = 1 - 0.75 beta p}, {@code ki = -beta p}, {@code kd = 0} (for a 5(4) pair: 0.85, -0.2, 0), so that
 * {@code gain = safety * err^(-kp/p) * errPrev^(-ki/p)}. Chosen by measurement: on the Lorenz ensemble it took
 * fewer steps for the same error than beta = 0.08 (the former default, kp 0.7 and ki -0.4 for 5(4) pairs) and
 * than the I controller (beta = 0), with fewer rejections (docs/performance.md).
 */
public record StepControl(Controller controller, double dt, double dtMin, double dtMax, double[] atol, double[] rtol,
                          double safety, double minGain, double maxGain, double deadbandMin, double deadbandMax,
                          double kp, double ki, double kd, long maxSteps, boolean estimatesInitialStep) {

    /** Hairer's stabilisation exponent of the PI controller's default (DOPRI5's {@code beta}). */
    public static final double HAIRER_BETA = 0.04;

    /**
     * float32's unit roundoff (2^-23): the smallest relative tolerance a float32 kernel can meet. Below it the
     * error estimate is rounding (its stages carry relative errors of that order; tsit5's error weights, an order
     * larger than dormand-prince-54's, amplify it), so steps shrink and are rejected without gaining accuracy.
     */
    public static final double FLOAT32_MIN_RTOL = Math.ulp(1.0f);

    /** This control with every relative tolerance at least {@code min}; itself where none is lower. */
    public StepControl withMinRtol(double min) {
        double[] r = rtol.clone();
        boolean changed = false;
        for (int i = 0; i < r.length; i++) {
            if (r[i] < min) {
                r[i] = min;
                changed = true;
            }
        }
        return !changed ? this : new StepControl(controller, dt, dtMin, dtMax, atol, r, safety, minGain, maxGain, deadbandMin, deadbandMax,
                kp, ki, kd, maxSteps, estimatesInitialStep);
    }

    /** Copies the tolerances. */
    public StepControl {
        atol = atol.clone();
        rtol = rtol.clone();
    }

    /** The absolute tolerances, one per state (a copy). */
    @Override
    public double[] atol() {
        return atol.clone();
    }

    /** The relative tolerances, one per state (a copy). */
    @Override
    public double[] rtol() {
        return rtol.clone();
    }

    /** A builder with every option unset (defaults resolved per method in {@link Builder#resolve}). */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String toString() {
        return "StepControl[" + controller + ", dt=" + dt + ", dtMin=" + dtMin + ", dtMax=" + dtMax + ", atol=" + Arrays.toString(atol)
                + ", rtol=" + Arrays.toString(rtol) + ", safety=" + safety + ", gains=[" + minGain + ", " + maxGain + "], deadband=["
                + deadbandMin + ", " + deadbandMax + "], kp=" + kp + ", ki=" + ki + ", kd=" + kd + ", maxSteps=" + maxSteps
                + (estimatesInitialStep ? ", first step estimated" : "") + "]";
    }

    /** A description for logs and the results record. */
    public String describe() {
        if (controller == Controller.FIXED) {
            return "fixed dt " + dt;
        }
        return controller + " dt0 " + (estimatesInitialStep ? "estimated" : String.valueOf(dt)) + " in [" + dtMin + ", " + dtMax + "], atol "
                + compact(atol) + ", rtol " + compact(rtol);
    }

    private static String compact(double[] v) {
        boolean same = Arrays.stream(v).allMatch(x -> x == v[0]);
        return same && v.length > 0 ? String.valueOf(v[0]) : Arrays.toString(v);
    }

    /** Options left unset take their defaults in {@link #resolve}. */
    public static final class Builder {
        private Controller controller;
        private OptionalDouble dt = OptionalDouble.empty();
        private OptionalDouble dtMin = OptionalDouble.empty();
        private OptionalDouble dtMax = OptionalDouble.empty();
        private double[] atol = {1e-6};
        private double[] rtol = {1e-6};
        private double safety = 0.9;
        private double minGain = 0.2;
        private double maxGain = 10;
        private double deadbandMin = 1;
        private double deadbandMax = 1;
        private double kp = Double.NaN; // NaN: Hairer's, for the method's error order (see the class comment)
        private double ki = Double.NaN;
        private double kd = 0;
        private long maxSteps = 10_000_000;
        /** The options set that only adaptive control uses, to refuse them for fixed steps rather than ignore them. */
        private final java.util.Set<String> adaptiveOnly = new java.util.LinkedHashSet<>();

        private Builder() {
        }

        /** The controller (default: PI for methods with an error estimate, fixed steps for the others). */
        public Builder controller(Controller c) {
            this.controller = c;
            return this;
        }

        /** The step size of fixed steps, or the first step of adaptive ones (default: 1e-3 for fixed steps; adaptive, estimated from the system). */
        public Builder dt(double v) {
            dt = OptionalDouble.of(v);
            return this;
        }

        /** The smallest step an adaptive controller takes (default 1e-6, or {@code dt / 100} where a {@code dt} is given). */
        public Builder dtMin(double v) {
            dtMin = OptionalDouble.of(v);
            adaptiveOnly.add("dtMin");
            return this;
        }

        /** The largest step an adaptive controller takes (default 1, or {@code dt * 100} where a {@code dt} is given). */
        public Builder dtMax(double v) {
            dtMax = OptionalDouble.of(v);
            adaptiveOnly.add("dtMax");
            return this;
        }

        /** One absolute tolerance for every state, or one per state. */
        public Builder atol(double... v) {
            atol = v.clone();
            adaptiveOnly.add("atol");
            return this;
        }

        /** One relative tolerance for every state, or one per state. */
        public Builder rtol(double... v) {
            rtol = v.clone();
            adaptiveOnly.add("rtol");
            return this;
        }

        /** The safety factor on every step-size change (default 0.9). */
        public Builder safety(double v) {
            safety = v;
            adaptiveOnly.add("safety");
            return this;
        }

        /** The bounds of the factor one step size may change by (default 0.2 to 10). */
        public Builder gains(double min, double max) {
            minGain = min;
            adaptiveOnly.add("gains");
            maxGain = max;
            return this;
        }

        /** The error norms within {@code [min, max]} leave the step unchanged (default: none). */
        public Builder deadband(double min, double max) {
            deadbandMin = min;
            adaptiveOnly.add("deadband");
            deadbandMax = max;
            return this;
        }

        /** The PI/PID exponents {@code kp}, {@code ki}, {@code kd} (default: Hairer's for the method's error order). */
        public Builder pid(double kp, double ki, double kd) {
            this.kp = kp;
            adaptiveOnly.add("pid");
            this.ki = ki;
            this.kd = kd;
            return this;
        }

        /** The most steps a run may take before it fails with MAX_STEPS_EXCEEDED (default 10,000,000). */
        public Builder maxSteps(long v) {
            maxSteps = v;
            return this;
        }

        /**
         * Resolves the defaults for {@code algorithm} and {@code states} states. An adaptive controller on a method
         * without an error estimate is refused with a message that names the methods that have one.
         */
        public StepControl resolve(Algorithm algorithm, int states) {
            Controller c = controller != null ? controller : algorithm.defaultController();
            if (c.isAdaptive() && !algorithm.isAdaptive()) {
                throw new IllegalArgumentException("controller: " + c + " needs an error estimate, which " + algorithm
                        + " does not have (use --controller fixed, or an adaptive method such as dormand-prince-54, tsit5,"
                        + " bogacki-shampine-32, cash-karp-54, fehlberg-45, vern7, dormand-prince-853)");
            }
            double step;
            double lo;
            double hi;
            if (!c.isAdaptive() && !adaptiveOnly.isEmpty()) {
                throw new IllegalArgumentException(String.join(", ", adaptiveOnly) + ": set for " + algorithm + " with the fixed"
                        + " controller, which takes every step of dt and ignores " + (adaptiveOnly.size() == 1 ? "it" : "them")
                        + " (remove " + (adaptiveOnly.size() == 1 ? "it" : "them") + ", or choose an adaptive method such as"
                        + " dormand-prince-54 or tsit5)");
            }
            if (!c.isAdaptive()) {
                step = dt.orElse(1e-3);
                lo = dtMin.orElse(step);
                hi = dtMax.orElse(step);
            } else if (dt.isPresent()) {
                step = dt.getAsDouble();
                lo = dtMin.orElse(step / 100);
                hi = dtMax.orElse(step * 100);
                // Derived bounds give way to explicit ones.
                if (dtMin.isPresent() && !dtMax.isPresent()) {
                    hi = Math.max(hi, lo);
                }
                if (dtMax.isPresent() && !dtMin.isPresent()) {
                    lo = Math.min(lo, hi);
                }
            } else {
                lo = dtMin.orElse(1e-6);
                hi = dtMax.orElse(Math.max(1.0, lo));
                step = Math.sqrt(lo * hi); // the fallback where the estimate is not used (it is, per run, in the kernel)
            }
            positive("dt", step);
            positive("dtMin", lo);
            positive("dtMax", hi);
            if (c.isAdaptive() && lo > hi) {
                throw new IllegalArgumentException("dtMin: " + lo + " (expected: <= dtMax " + hi + ")");
            }
            if (c.isAdaptive() && (step < lo || step > hi)) {
                throw new IllegalArgumentException("dt: " + step + " (expected: within [dtMin " + lo + ", dtMax " + hi + "])");
            }
            double[] a = perState("atol", atol, states);
            double[] r = perState("rtol", rtol, states);
            if (c.isAdaptive()) {
                for (int i = 0; i < states; i++) {
                    if (a[i] == 0 && r[i] == 0) {
                        throw new IllegalArgumentException("atol and rtol of state " + i + ": both 0 (expected: at least one > 0)");
                    }
                }
            }
            if (!(safety > 0 && safety <= 1)) {
                throw new IllegalArgumentException("safety: " + safety + " (expected: in (0, 1])");
            }
            if (!(minGain > 0 && minGain <= 1 && maxGain >= 1 && Double.isFinite(maxGain))) {
                throw new IllegalArgumentException("gains: [" + minGain + ", " + maxGain + "] (expected: 0 < min <= 1 <= max)");
            }
            if (!(deadbandMin <= 1 && deadbandMax >= 1 && deadbandMin > 0)) {
                throw new IllegalArgumentException("deadband: [" + deadbandMin + ", " + deadbandMax + "] (expected: 0 < min <= 1 <= max)");
            }
            if (maxSteps < 1) {
                throw new IllegalArgumentException("maxSteps: " + maxSteps + " (expected: >= 1)");
            }
            int p = c.isAdaptive() ? algorithm.tableau().errorOrder() : 1;
            double kpOf = Double.isNaN(kp) ? 1 - 0.75 * HAIRER_BETA * p : kp;
            double kiOf = Double.isNaN(ki) ? -HAIRER_BETA * p : ki;
            if (!Double.isFinite(kpOf) || !Double.isFinite(kiOf) || !Double.isFinite(kd)) {
                throw new IllegalArgumentException("pid: " + kp + ", " + ki + ", " + kd + " (expected: finite numbers)");
            }
            return new StepControl(c, step, lo, hi, a, r, safety, minGain, maxGain, deadbandMin, deadbandMax, kpOf, kiOf, kd, maxSteps,
                    c.isAdaptive() && dt.isEmpty());
        }

        private static void positive(String name, double v) {
            if (!(v > 0) || !Double.isFinite(v)) {
                throw new IllegalArgumentException(name + ": " + v + " (expected: a finite number > 0)");
            }
        }

        private static double[] perState(String name, double[] v, int states) {
            for (double x : v) {
                if (!(x >= 0) || !Double.isFinite(x)) {
                    throw new IllegalArgumentException(name + ": " + Arrays.toString(v) + " (expected: finite numbers >= 0)");
                }
            }
            if (v.length == 1) {
                double[] out = new double[states];
                Arrays.fill(out, v[0]);
                return out;
            }
            if (v.length != states) {
                throw new IllegalArgumentException(name + ": " + v.length + " values (expected: 1, or one per state: " + states + ")");
            }
            return v.clone();
        }
    }
}
