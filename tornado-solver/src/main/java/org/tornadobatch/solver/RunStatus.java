package org.tornadobatch.solver;

import java.util.ArrayList;
import java.util.List;

/**
 * Why a run ended early, as bit flags in one int32 per run (0 means success). Bit values follow CuBIE's where
 * CuBIE has the same condition. A failing run never stops the others; its remaining samples are NaN.
 */
public enum RunStatus {
    /**
     * Newton's iteration of an implicit (SDIRK) stage did not converge in the last step the run attempted (it diverged,
     * stalled or ran out of iterations); with an adaptive step that is already at dtMin, or with a fixed step.
     */
    NEWTON_FAILED(2),
    /** An adaptive step was rejected at the smallest allowed step (dtMin). */
    STEP_TOO_SMALL(8),
    /** The run took its maximum number of attempted steps. */
    MAX_STEPS_EXCEEDED(32),
    /** The state became NaN or infinite. */
    NON_FINITE_STATE(1024),
    /**
     * The linear system of the last step the run attempted was singular (a zero or non-finite pivot of an implicit
     * method's matrix): set beside the reason the run failed. An adaptive step on a singular matrix is rejected and
     * shrunk like any step with a non-finite error, so this shows only where that could not help.
     */
    SINGULAR_MATRIX(2048);

    /** The status word of a run that succeeded. */
    public static final int SUCCESS = 0;

    private final int bit;

    RunStatus(int bit) {
        this.bit = bit;
    }

    /** The flag's bit in a run's status word. */
    public int bit() {
        return bit;
    }

    /** The conditions set in {@code code}. */
    public static List<RunStatus> decode(int code) {
        List<RunStatus> out = new ArrayList<>();
        for (RunStatus s : values()) {
            if ((code & s.bit) != 0) {
                out.add(s);
            }
        }
        return out;
    }
}
