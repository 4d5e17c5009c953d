package org.tornadobatch.solver.method;

import java.util.Arrays;
import java.util.Locale;

/**
 * Step-size controllers. With {@code err} the RMS of the scaled error estimate, {@code p} the order of the
 * error estimate, and the previous accepted errors {@code e1}, {@code e2}:
 * <ul>
 *   <li>{@code fixed}: the step is {@code dt} (steps are shortened only to land on output times);</li>
 *   <li>{@code i}: {@code gain = safety * err^(-1/p)};</li>
 *   <li>{@code pi}: {@code gain = safety * err^(-kp/p) * e1^(-ki/p)};</li>
 *   <li>{@code pid}: {@code pi * e2^(-kd/p)};</li>
 *   <li>{@code gustafsson}: {@code safety * err^(-1/p)}, after an accepted step at most
 *       {@code safety * (dt/dtPrev) * (err^2/e1)^(-1/p)} (predictive control).</li>
 * </ul>
 * The gain is clamped to {@code [minGain, maxGain]}, set to 1 inside the deadband, capped at {@code safety} after a
 * rejection; then {@code dt = clamp(dt * gain, dtMin, dtMax)}.
 */
public enum Controller {
    /** Fixed steps of {@code dt}. */
    FIXED,
    /** Integral (elementary) control. */
    I,
    /** Proportional-integral control (the default for methods with an error estimate). */
    PI,
    /** Proportional-integral-derivative control. */
    PID,
    /** Gustafsson's predictive control. */
    GUSTAFSSON;

    /** The controller named {@code name} (case-insensitive); an unknown name is refused listing the known ones. */
    public static Controller of(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT);
        for (Controller c : values()) {
            if (c.name().equals(n)) {
                return c;
            }
        }
        throw new IllegalArgumentException("controller: " + name + " (expected one of "
                + Arrays.stream(values()).map(Controller::toString).toList() + ")");
    }

    /** Whether the step size adapts to the error estimate (every controller but {@link #FIXED}). */
    public boolean isAdaptive() {
        return this != FIXED;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
