package org.tornadobatch;

/**
 * Cleanup that must run every step: keeps the first failure, attaches later ones as suppressed, and
 * rethrows at the end.
 */
public final class FirstFailure {
    private RuntimeException first;

    /** No failure recorded yet. */
    public FirstFailure() {
    }

    /** Runs {@code step}, recording a failure instead of throwing it. */
    public void run(Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            if (first == null) {
                first = e;
            } else {
                first.addSuppressed(e);
            }
        }
    }

    /** Throws the first failure, if any, with the later ones suppressed. */
    public void rethrow() {
        if (first != null) {
            throw first;
        }
    }
}
