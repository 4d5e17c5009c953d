package org.tornadobatch.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.tornadobatch.HostThreads;
import org.tornadobatch.memory.MemoryManager;
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.StepControl;

/**
 * Issue 15, item 15: a program's threads of ours end soon after its last solve (a program under {@code mvn
 * exec:java} waited 15 s for the default manager's workers, which lived a minute), and at once on close.
 */
class DefaultManagerThreadsTest {
    private static List<String> ours() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("tornado-batch-")).sorted().toList();
    }

    private static void awaitNone(long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!ours().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    private static void solve() {
        try (Solver s = Solver.builder(Problems.LORENZ).algorithm(Algorithm.CLASSICAL_RK4).stepControl(StepControl.builder().dt(1e-3)).build();
             SolveResult r = s.solve(Batch.grid(Problems.LORENZ, java.util.Map.of("rho", new double[1 << 16]), GridKind.COMBINATORIAL),
                     TimeSpec.finalState(0.01))) {
            assertEquals(0, r.failureCount());
        }
    }

    @Test
    void threadsOfOursEndWhenIdleAndWhenTheDefaultManagerCloses() throws Exception {
        solve();
        assertTrue(!ours().isEmpty(), "the solve ran on threads of ours");
        awaitNone(5 * HostThreads.IDLE_SECONDS);
        assertEquals(List.of(), ours(), "idle threads left " + 5 * HostThreads.IDLE_SECONDS + " s after a solve, the default manager open");
        solve();
        MemoryManager.getDefault().close();
        awaitNone(5 * HostThreads.IDLE_SECONDS);
        assertEquals(List.of(), ours(), "threads left after close");
    }
}
