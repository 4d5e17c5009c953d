package org.tornadobatch.solver;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.tornadobatch.memory.MemoryManager;

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
}
