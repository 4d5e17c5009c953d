package org.tornadobatch.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.tornadobatch.memory.MemoryManager;
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.StepControl;

class SmokeTest {
    @Test
    void decayRk4() {
        try (MemoryManager mm = Problems.memory();
             Solver s = Solver.builder(Problems.DECAY).algorithm(Algorithm.CLASSICAL_RK4).stepControl(StepControl.builder().dt(0.01))
                     .memoryManager(mm).build();
             SolveResult r = s.solve(Batch.grid(Problems.DECAY, Map.of("k", new double[] {1, 2}), GridKind.COMBINATORIAL), TimeSpec.of(1))) {
            assertEquals(Math.exp(-1), r.state().get(1, 0, 0), 1e-9);
            assertEquals(Math.exp(-2), r.state().get(1, 0, 1), 1e-9);
            System.out.println(r.info());
        }
    }
}
