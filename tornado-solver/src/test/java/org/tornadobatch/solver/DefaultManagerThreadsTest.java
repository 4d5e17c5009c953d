package org.tornadobatch.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.tornadobatch.memory.MemoryManager;
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.StepControl;

/** Issue 15, item 15: closing the default manager ends the threads it started (a program's JVM can exit at once). */
class DefaultManagerThreadsTest {
    private static List<String> ours() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("tornado-batch-")).sorted().toList();
    }

    @Test
    void closingTheDefaultManagerEndsItsThreads() throws Exception {
        MemoryManager mm = MemoryManager.getDefault();
        try (Solver s = Solver.builder(Problems.LORENZ).algorithm(Algorithm.CLASSICAL_RK4).stepControl(StepControl.builder().dt(1e-3)).build();
             SolveResult r = s.solve(Batch.defaults(Problems.LORENZ), TimeSpec.finalState(0.1))) {
            assertEquals(0, r.failureCount());
        }
        assertTrue(!ours().isEmpty(), "the solve ran on threads of ours");
        mm.close();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!ours().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(List.of(), ours(), "threads left after close");
    }
}
