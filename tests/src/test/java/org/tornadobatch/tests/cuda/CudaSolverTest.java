package org.tornadobatch.tests.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tornadobatch.tests.Backends.LORENZ;
import static org.tornadobatch.tests.Backends.assertBitForBit;
import static org.tornadobatch.tests.Backends.lorenzBatch;
import static org.tornadobatch.tests.Backends.solve;
import static org.tornadobatch.tests.Backends.withSlices;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.tornadobatch.memory.AllocatorKind;
import org.tornadobatch.memory.MemoryManager;
import org.tornadobatch.solver.Batch;
import org.tornadobatch.solver.Precision;
import org.tornadobatch.solver.SolveResult;
import org.tornadobatch.solver.Solver;
import org.tornadobatch.solver.TimeSpec;
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.Controller;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.solver.output.OutputSpec;
import org.tornadobatch.tests.BackendAgreementContract;

/**
 * The solver on the cuda backend: what every backend agrees on with the jvm backend ({@link BackendAgreementContract}),
 * and what is the cuda runtime's own: each allocator, and slices on several streams.
 */
@Tag("cuda")
class CudaSolverTest extends BackendAgreementContract {
    @Override
    protected String backendName() {
        return "cuda";
    }

    @Override
    protected Sizes sizes() {
        // About 21 saves x 3 states x 8 bytes plus inputs per run: ~0.6 KB, ~60 MB in all; 12 MB forces >= 5 chunks.
        return new Sizes(512, 256, 300, 1000, 100_000, 12e6, 10_000);
    }

    @Test
    void everyAllocatorSolvesAndGivesTheSameBits() {
        Batch lorenz = lorenzBatch(20_000);
        TimeSpec t = TimeSpec.of(1.0).withSaveEvery(0.1);
        StepControl.Builder c = StepControl.builder().controller(Controller.PI).atol(1e-7).rtol(1e-7);
        List<SolveResult> results = new ArrayList<>();
        try {
            for (AllocatorKind kind : AllocatorKind.values()) {
                try (MemoryManager m = MemoryManager.builder(backend).allocator(kind).build()) {
                    SolveResult r = solve(m, LORENZ, Algorithm.DORMAND_PRINCE_54, c, Precision.FLOAT64, OutputSpec.stateOnly(), lorenz, t);
                    results.add(r);
                    assertEquals("cuda", r.info().backend());
                    System.out.printf("allocator %s: %d runs, %d chunk(s), kernel %.1f ms%n", kind, r.runs(), r.info().chunks(),
                            r.info().kernelMillis());
                }
            }
            for (int i = 1; i < results.size(); i++) {
                assertEquals(-1, results.get(0).state().segment().mismatch(results.get(i).state().segment()), AllocatorKind.values()[i].toString());
                assertArrayEquals(results.get(0).acceptedSteps(), results.get(i).acceptedSteps());
            }
        } finally {
            results.forEach(SolveResult::close);
        }
    }

    @Test
    void slicesOnSeveralStreamsGiveTheBitsOfOneSlice() {
        int n = 300_000;
        Batch lorenz = lorenzBatch(n);
        TimeSpec t = TimeSpec.of(1.0).withSaveEvery(0.25);
        StepControl.Builder c = StepControl.builder().controller(Controller.PI).atol(1e-8).rtol(1e-8);
        double proportion = 25e6 / backend.memoryInfo().totalBytes(); // 2 to 4 chunks
        try (SolveResult one = withSlices("1", () -> solve(memory, LORENZ, Algorithm.DORMAND_PRINCE_54, c, Precision.FLOAT64,
                OutputSpec.stateOnly(), lorenz, t));
             SolveResult seven = withSlices("7", () -> solve(memory, LORENZ, Algorithm.DORMAND_PRINCE_54, c, Precision.FLOAT64,
                     OutputSpec.stateOnly(), lorenz, t));
             Solver s = Solver.builder(LORENZ).algorithm(Algorithm.DORMAND_PRINCE_54).stepControl(c).memoryManager(memory)
                     .memProportion(proportion).build();
             SolveResult chunked = withSlices("3", () -> s.solve(lorenz, t))) {
            System.out.printf("slices: 1 slice %.1f ms kernel, 7 slices %.1f ms, %d chunks x 3 slices %.1f ms%n", one.info().kernelMillis(),
                    seven.info().kernelMillis(), chunked.info().chunks(), chunked.info().kernelMillis());
            assertTrue(chunked.info().chunks() >= 2, "chunks: " + chunked.info().chunks());
            for (SolveResult r : List.of(seven, chunked)) {
                assertBitForBit(one, r);
            }
        }
    }
}
