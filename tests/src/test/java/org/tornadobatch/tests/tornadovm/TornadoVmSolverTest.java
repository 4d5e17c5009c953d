package org.tornadobatch.tests.tornadovm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.tornadobatch.tests.Backends.LORENZ;
import static org.tornadobatch.tests.Backends.lorenzBatch;
import static org.tornadobatch.tests.Backends.solve;

import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.tornadobatch.device.Availability;
import org.tornadobatch.device.DeviceRuntimes;
import org.tornadobatch.solver.Batch;
import org.tornadobatch.solver.Precision;
import org.tornadobatch.solver.SolveResult;
import org.tornadobatch.solver.TimeSpec;
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.Controller;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.solver.output.OutputSpec;
import org.tornadobatch.testing.SystemProperties;
import org.tornadobatch.tests.BackendAgreementContract;

/**
 * The solver on the tornadovm runtime (kernels compiled by TornadoVM, on whichever backend it was started with:
 * OpenCL on PoCL here, PTX on the GPU machine): what every backend agrees on with the jvm backend
 * ({@link BackendAgreementContract}), and what is tornadovm's own: pooled buffers reusing execution plans, and
 * parts run at once. Runs only in a JVM started with TornadoVM's flags (the tests module's {@code tornadovm}
 * execution, where an SDK is installed); skipped elsewhere.
 */
@Tag("tornadovm")
class TornadoVmSolverTest extends BackendAgreementContract {
    @Override
    protected String backendName() {
        return "tornadovm";
    }

    /** Skips the calling test where TornadoVM is absent. */
    static void assumeTornadoVm() {
        Availability a = availability("tornadovm");
        assumeTrue(a.available(), () -> "tornadovm runtime unavailable: " + a.reason());
    }

    @Override
    protected Sizes sizes() {
        // About 21 saves x 3 states x 8 bytes plus inputs per run: ~0.6 KB, ~12 MB in all; 2.4 MB forces >= 5 chunks.
        return new Sizes(256, 200, 100, 500, 20_000, 2.4e6, 2000);
    }

    /** Every adaptive method with PI, and every controller with Dormand-Prince (PoCL runs on the CPU). */
    @Override
    protected List<Controller> adaptiveControllers(Algorithm a) {
        return a == Algorithm.DORMAND_PRINCE_54 ? super.adaptiveControllers(a) : List.of(Controller.PI);
    }

    /** gauss-legendre-4's Lorenz kernel has 36,635 bytes of bytecode in one method: past what TornadoVM 5.2 builds. */
    @Override
    protected java.util.Set<Algorithm> tooLargeForLorenz() {
        return java.util.Set.of(Algorithm.GAUSS_LEGENDRE_4);
    }

    /**
     * A register cap on the PTX kernels ({@code -Dtornadobatch.tornadovm.maxRegisters}; OpenCL ignores it) computes the
     * same results as CUDA's own choice (each solve on a memory manager of its own, so each builds its plan); a cap
     * outside 16-255 is one clear line.
     */
    @Test
    void aRegisterCapGivesTheSameResultsAndABadOneIsOneClearLine() {
        Batch b = lorenzBatch(sizes().float32());
        StepControl.Builder c = StepControl.builder().atol(1e-6).rtol(1e-6);
        TimeSpec t = TimeSpec.finalState(1.0);
        try (org.tornadobatch.memory.MemoryManager one = org.tornadobatch.memory.MemoryManager.builder(backend).build();
             org.tornadobatch.memory.MemoryManager two = org.tornadobatch.memory.MemoryManager.builder(backend).build();
             org.tornadobatch.memory.MemoryManager three = org.tornadobatch.memory.MemoryManager.builder(backend).build();
             SolveResult free = solve(one, LORENZ, Algorithm.DORMAND_PRINCE_54, c, Precision.FLOAT32, OutputSpec.stateOnly(), b, t);
             SolveResult capped = SystemProperties.with("tornadobatch.tornadovm.maxRegisters", "64",
                     () -> solve(two, LORENZ, Algorithm.DORMAND_PRINCE_54, c, Precision.FLOAT32, OutputSpec.stateOnly(), b, t))) {
            org.tornadobatch.tests.Backends.assertBitForBit(free, capped);
            RuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                    () -> SystemProperties.with("tornadobatch.tornadovm.maxRegisters", "5",
                            () -> solve(three, LORENZ, Algorithm.DORMAND_PRINCE_54, c, Precision.FLOAT32, OutputSpec.stateOnly(), b, t)).close());
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("tornadobatch.tornadovm.maxRegisters: 5 (expected: 0"), e.getMessage());
            IllegalArgumentException atOpen = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> SystemProperties.with("tornadobatch.tornadovm.maxRegisters", "300", () -> DeviceRuntimes.open("tornadovm", 0)).close());
            org.junit.jupiter.api.Assertions.assertTrue(atOpen.getMessage().contains("maxRegisters: 300 (expected: 0"), atOpen.getMessage());
            IllegalArgumentException word = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> SystemProperties.with("tornadobatch.tornadovm.maxRegisters", "many", () -> DeviceRuntimes.open("tornadovm", 0)).close());
            org.junit.jupiter.api.Assertions.assertTrue(word.getMessage().contains("maxRegisters: many (expected: 0"), word.getMessage());
        }
    }

    @Test
    void repeatedSolvesReuseTheirBuffersAndSoTheirExecutionPlan() {
        // tornadovm keeps an execution plan per set of buffers: its memory managers pool buffers unless told otherwise.
        assertEquals(org.tornadobatch.memory.AllocatorKind.POOLED, memory.allocator());
        Batch b = lorenzBatch(1000);
        StepControl.Builder c = StepControl.builder().controller(Controller.FIXED).dt(1e-3);
        try (SolveResult first = solve(memory, LORENZ, Algorithm.CLASSICAL_RK4, c, Precision.FLOAT64, OutputSpec.stateOnly(), b,
                TimeSpec.finalState(1.0))) {
            long hits = memory.poolStats().hits();
            try (SolveResult second = solve(memory, LORENZ, Algorithm.CLASSICAL_RK4, c, Precision.FLOAT64, OutputSpec.stateOnly(), b,
                    TimeSpec.finalState(1.0))) {
                // init, params, the two event arrays, state, status, steps
                assertEquals(7, memory.poolStats().hits() - hits, "the second solve's arrays come from the pool: " + memory.poolStats());
                org.tornadobatch.tests.Backends.assertBitForBit(first, second);
            }
        }
    }

    @Test
    void aSolveSplitIntoPartsRunAtOnceEqualsTheWholeOneBitForBit() {
        // Large solves on tornadovm are split into parts whose execution plans run at once, from threads of their own.
        Batch b = lorenzBatch(30_000);
        StepControl.Builder c = StepControl.builder().controller(Controller.PI).atol(1e-8).rtol(1e-8);
        TimeSpec t = TimeSpec.of(1.0).withSaveEvery(0.25);
        try (SolveResult whole = SystemProperties.with("tornadobatch.parts", "1",
                () -> solve(memory, LORENZ, Algorithm.DORMAND_PRINCE_54, c, Precision.FLOAT64, OutputSpec.stateOnly(), b, t));
             SolveResult split = SystemProperties.with("tornadobatch.parts", "3",
                     () -> solve(memory, LORENZ, Algorithm.DORMAND_PRINCE_54, c, Precision.FLOAT64, OutputSpec.stateOnly(), b, t))) {
            assertEquals(1, whole.info().chunks());
            assertEquals(3, split.info().chunks(), "one chunk per part");
            org.tornadobatch.tests.Backends.assertBitForBit(whole, split);
        }
    }

    @Test
    void aKernelPastJavacsLimitIsRefusedAsTornadoVmsOwn() {
        // kvaerno5 with Krylov solves on a chain of 16 cells: one method past javac's 64 KB (each implicit stage writes
        // its own solve); the refusal names tornadovm, not the jvm backend (it did).
        StringBuilder src = new StringBuilder("states: ");
        for (int i = 0; i < 16; i++) {
            src.append(i > 0 ? ", " : "").append("u").append(i).append(" = 0.5");
        }
        src.append("\nparameters: D = 400, k = 1\n");
        for (int i = 0; i < 16; i++) {
            src.append("du").append(i).append(" = D * (").append(i == 0 ? "0" : "u" + (i - 1)).append(" - 2 * u").append(i).append(" + ")
                    .append(i == 15 ? "0" : "u" + (i + 1)).append(") - k * u").append(i).append(" * u").append(i).append(" + 1\n");
        }
        org.tornadobatch.system.OdeSystem chain = org.tornadobatch.system.OdeSystem.parse(src.toString(), "chain16");
        Batch b = Batch.grid(chain, java.util.Map.of("k", new double[] {1, 2}), org.tornadobatch.solver.GridKind.COMBINATORIAL);
        var e = org.junit.jupiter.api.Assertions.assertThrows(org.tornadobatch.device.KernelTooLargeException.class, () -> {
            try (org.tornadobatch.solver.Solver s = org.tornadobatch.solver.Solver.builder(chain).algorithm(Algorithm.KVAERNO5)
                    .linearSolver(org.tornadobatch.solver.method.LinearSolver.KRYLOV).memoryManager(memory).build()) {
                s.solve(b, TimeSpec.finalState(0.1)).close();
            }
        });
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("too large for the tornadovm backend (more than the JVM's 64 KB")
                && e.getMessage().contains("cuda"), e.getMessage());
    }
}
