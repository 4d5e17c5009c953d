package org.tornadobatch.solver;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.tornadobatch.memory.MemoryManager;
import org.tornadobatch.system.OdeSystem;

/**
 * The vector kernel tests' fixture: skipped (reported as such) where the JVM has no {@code jdk.incubator.vector}, one
 * jvm memory manager per test class.
 */
abstract class VectorKernelCase {
    static MemoryManager memory;

    @BeforeAll
    static void start() {
        assumeTrue(Solver.vectorApi(), "the JVM was started without --add-modules jdk.incubator.vector");
        memory = Problems.memory();
    }

    @AfterAll
    static void stop() {
        if (memory != null) {
            memory.close();
            memory = null;
        }
    }

    /** x' = lam x beside y' = -y: W is exactly singular for a step of h where lam = 1 / (h gamma). */
    static final OdeSystem GROWTH = OdeSystem.parse("states: x = 1, y = 1\nparameters: lam = 1\ndx = lam * x\ndy = -y\n", "growth2");

    /** 19 runs of {@link #GROWTH}, every third with W singular for a step of {@code h} (lam = 1 / (h gamma)), the others decaying. */
    static Batch singularEveryThird(double h, double gamma) {
        double[] lam = new double[19];
        for (int i = 0; i < lam.length; i++) {
            lam[i] = i % 3 == 0 ? 1.0 / (h * gamma) : -1 - i;
        }
        return Batch.grid(GROWTH, Map.of("lam", lam), GridKind.COMBINATORIAL);
    }
}
