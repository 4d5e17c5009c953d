package org.tornadobatch.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.tornadobatch.device.jvm.JvmRuntime;
import org.tornadobatch.memory.MemoryManager;
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.Controller;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.solver.output.OutputSpec;
import org.tornadobatch.system.OdeSystem;

/**
 * The jvm backend's outputs for a fixed set of solves (every algorithm, every controller, every output and
 * summary, both precisions, chunked and not), as SHA-256 digests of their bits, recorded in
 * {@code golden-outputs.txt} before the architecture issue's refactoring (issue 16) and compared after it: a
 * refactoring must leave them bit-identical. A change that means to change results rewrites the file with
 * {@code -Dtornadobatch.golden.write=true} and says why in its commit. Lorenz's solves run the vector kernels where
 * the JVM has them (they agree with the scalar kernel bit for bit there); the pendulum's, which call sin and cos,
 * the scalar kernel, since the vector kernels compute elementary functions with the Vector API's (VectorKernelTest).
 */
class GoldenOutputsTest {
    static final Path FILE = Path.of("src/test/resources/org/tornadobatch/solver/golden-outputs.txt");

    static final OdeSystem PENDULUM = Problems.PENDULUM;

    private static Batch lorenz(int n) {
        double[] rho = new double[n];
        for (int i = 0; i < n; i++) {
            rho[i] = 0.5 + 27.5 * i / (n - 1);
        }
        return Batch.grid(Problems.LORENZ, Map.of("rho", rho), GridKind.COMBINATORIAL);
    }

    private static Batch pendulum(int n) {
        double[] drive = new double[n];
        for (int i = 0; i < n; i++) {
            drive[i] = 1.5 * i / (n - 1);
        }
        return Batch.grid(PENDULUM, Map.of("drive", drive), GridKind.COMBINATORIAL);
    }

    static String digest(SolveResult r) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (ResultArray a : new ResultArray[] {r.state(), r.observables(), r.stateSummaries(), r.observableSummaries()}) {
            if (a != null) {
                md.update(a.name().getBytes(StandardCharsets.UTF_8));
                md.update(a.segment().toArray(ValueLayout.JAVA_BYTE));
            }
        }
        for (int[] v : new int[][] {r.status(), r.acceptedSteps(), r.rejectedSteps()}) {
            md.update(MemorySegment.ofArray(v).toArray(ValueLayout.JAVA_BYTE));
        }
        for (double t : r.time()) {
            md.update(Long.toString(Double.doubleToRawLongBits(t)).getBytes(StandardCharsets.UTF_8));
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** Name to digest of every solve of the set. */
    static Map<String, String> outputs() throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (MemoryManager mm = Problems.memory();
             MemoryManager small = MemoryManager.builder(new JvmRuntime(256L << 10, 2)).build()) {
            for (Precision p : Precision.values()) {
                for (Algorithm a : Algorithm.values()) {
                    StepControl.Builder c = a.isAdaptive() ? StepControl.builder().atol(1e-7).rtol(1e-7) : StepControl.builder().dt(2e-3);
                    try (Solver s = Solver.builder(Problems.LORENZ).algorithm(a).stepControl(c).precision(p).memoryManager(mm).build();
                         SolveResult r = s.solve(lorenz(64), TimeSpec.of(1).withSaveEvery(0.25))) {
                        out.put("lorenz/" + a + "/" + p, digest(r));
                    }
                }
                for (Controller k : Controller.values()) {
                    StepControl.Builder c = StepControl.builder().controller(k);
                    if (k.isAdaptive()) {
                        c.atol(1e-6).rtol(1e-6);
                    }
                    try (Solver s = Solver.builder(PENDULUM).algorithm(Algorithm.of("dormand-prince-54")).stepControl(c).precision(p)
                            .outputs(OutputSpec.of(List.of("state", "observables", "time", "mean", "max", "min", "rms", "std",
                                    "max_magnitude", "extrema", "peaks[3]"))).memoryManager(mm).vectorKernels(false).build();
                         SolveResult r = s.solve(pendulum(48), TimeSpec.of(20).withWarmup(5).withSaveEvery(0.5).withSummariseEvery(10))) {
                        out.put("pendulum/" + k + "/" + p, digest(r));
                    }
                }
                for (String alg : List.of("rk4", "tsit5")) {
                    try (Solver s = Solver.builder(Problems.LORENZ).algorithm(Algorithm.of(alg)).precision(p)
                            .outputs(OutputSpec.of(List.of("state", "mean", "extrema"))).memoryManager(small).build();
                         SolveResult r = s.solve(lorenz(2000), TimeSpec.of(1).withSaveEvery(0.1).withSummariseEvery(0.5))) {
                        assertTrue(r.info().chunks() > 1, "chunked: " + r.info().chunks());
                        out.put("lorenz-chunked/" + alg + "/" + p, digest(r));
                    }
                }
            }
        }
        return out;
    }

    @Test
    void outputsAreBitIdenticalToTheRecordedOnes() throws Exception {
        Map<String, String> now = outputs();
        if (Boolean.getBoolean("tornadobatch.golden.write")) {
            StringBuilder sb = new StringBuilder("# GoldenOutputsTest: SHA-256 of each solve's output bits on the jvm backend\n");
            now.forEach((k, v) -> sb.append(k).append(' ').append(v).append('\n'));
            Files.writeString(FILE, sb.toString());
            return;
        }
        Map<String, String> recorded = new LinkedHashMap<>();
        for (String line : Files.readAllLines(FILE)) {
            if (!line.isBlank() && !line.startsWith("#")) {
                String[] kv = line.split(" ");
                recorded.put(kv[0], kv[1]);
            }
        }
        assertEquals(recorded.keySet(), now.keySet(), "the set of solves");
        for (Map.Entry<String, String> e : recorded.entrySet()) {
            assertEquals(e.getValue(), now.get(e.getKey()), e.getKey() + " changed");
        }
    }
}
