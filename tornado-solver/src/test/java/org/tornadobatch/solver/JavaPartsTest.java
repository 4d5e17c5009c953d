package org.tornadobatch.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.MethodModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tornadobatch.device.KernelSource;
import org.tornadobatch.device.host.JavaKernelCompiler;
import org.tornadobatch.memory.MemoryManager;
import org.tornadobatch.solver.kernel.KernelGenerator;
import org.tornadobatch.solver.kernel.KernelSpec;
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.system.OdeSystem;

/**
 * The scalar Java kernel of a big system is written in parts (a run's variables as a frame's fields, long lists of
 * statements as methods of their own), so that HotSpot compiles every method of it: written as one method, a run of
 * Lorenz-96 (40 states) under dormand-prince-853 was 56,559 bytes of bytecode, past the 8000 HotSpot compiles, and
 * ran interpreted (500 ms for 1024 runs to t = 1, against 58 ms in parts, 2026-12-07). The parts hold the same
 * statements in the same order, so the results do not change by a bit: the golden set of solves (every algorithm,
 * every controller, outputs and summaries, both precisions, chunked; GoldenOutputsTest) is solved again with every
 * kernel in parts of a few statements, and of a few dozen.
 */
class JavaPartsTest {
    private static final String PROPERTY = "tornadobatch.jvm.partChars";
    /** HotSpot's limit (HugeMethodLimit) on the bytecode of a method it compiles while DontCompileHugeMethods is on. */
    private static final int HUGE_METHOD_LIMIT = 8000;

    static OdeSystem lorenz96(int n) {
        StringBuilder src = new StringBuilder("states: ");
        for (int i = 0; i < n; i++) {
            src.append(i > 0 ? ", " : "").append("x").append(i).append(" = ").append(i == 0 ? "8.01" : "8");
        }
        src.append("\nparameters: F = 8\n");
        for (int i = 0; i < n; i++) {
            src.append("dx").append(i).append(" = (x").append((i + 1) % n).append(" - x").append((i + n - 2) % n).append(") * x")
                    .append((i + n - 1) % n).append(" - x").append(i).append(" + F\n");
        }
        return OdeSystem.parse(src.toString(), "lorenz96");
    }

    private static Map<String, String> goldenWith(String partChars) throws Exception {
        String before = System.getProperty(PROPERTY);
        System.setProperty(PROPERTY, partChars);
        try {
            return GoldenOutputsTest.outputs();
        } finally {
            restore(before);
        }
    }

    private static Map<String, String> recorded() throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(GoldenOutputsTest.FILE)) {
            if (!line.isBlank() && !line.startsWith("#")) {
                String[] kv = line.split(" ");
                out.put(kv[0], kv[1]);
            }
        }
        return out;
    }

    @Test
    void kernelsInPartsGiveTheGoldenOutputsBitForBit() throws Exception {
        Map<String, String> golden = recorded();
        assertTrue(pendulumKernelWith("400").contains("private boolean part"), "a part that leaves the event loop at 400");
        for (String parts : List.of("150", "400")) {
            Map<String, String> now = goldenWith(parts);
            assertTrue(pendulumKernelWith(parts).contains("private void part"), "parts at " + parts);
            assertEquals(golden.keySet(), now.keySet(), "the set of solves");
            List<String> changed = new ArrayList<>();
            golden.forEach((k, v) -> {
                if (!v.equals(now.get(k))) {
                    changed.add(k);
                }
            });
            assertEquals(List.of(), changed, "solves whose outputs changed with the kernels in parts of " + parts + " characters");
        }
    }

    /** x' = x^2 from x0 = linspace(0.2, 3, 29) to t = 1: the runs from x0 = 1 on blow up (at t = 1 / x0). */
    private static final OdeSystem BLOW_UP = OdeSystem.parse("""
            states: x = 1
            parameters: s = 1
            dx = s * x * x
            """, "blowup");

    /** A system driven by a sampled u. */
    private static final OdeSystem DRIVEN = OdeSystem.parse("""
            states: x = 1, v = 0
            parameters: w = 2
            drivers: u
            dx = v
            dv = -w * w * x - 0.2 * v + u
            """, "driven");

    /**
     * Solves whose runs fail in each way a kernel leaves its event loop (the step limit, too small a step, a state that is
     * not finite), each a digest of its outputs: status, steps, states and the NaNs filled in after a failure; and two
     * driven solves (shared cubic, per-run linear drivers).
     */
    private static Map<String, String> failures() throws Exception {
        double[] x0 = new double[29];
        for (int i = 0; i < x0.length; i++) {
            x0[i] = 0.2 + 0.1 * i;
        }
        Batch batch = Batch.grid(BLOW_UP, Map.of("x", x0), GridKind.COMBINATORIAL);
        Map<String, StepControl.Builder> controls = new LinkedHashMap<>();
        controls.put("dormand-prince-54/step-too-small", StepControl.builder().atol(1e-8).rtol(1e-8).dtMin(1e-6));
        controls.put("dormand-prince-54/max-steps", StepControl.builder().atol(1e-8).rtol(1e-8).maxSteps(60));
        controls.put("rk4/not-finite", StepControl.builder().dt(0.01));
        controls.put("rk4/max-steps", StepControl.builder().dt(0.01).maxSteps(50));
        Map<String, String> out = new LinkedHashMap<>();
        try (MemoryManager mm = Problems.memory()) {
            // Drivers (a method of their own per driver) in parts too: a cubic shared one and linear per-run ones.
            double[] u = new double[41];
            double[][] perRun = new double[x0.length][41];
            for (int i = 0; i < u.length; i++) {
                u[i] = Math.sin(0.3 * i);
                for (int r = 0; r < x0.length; r++) {
                    perRun[r][i] = Math.cos(0.1 * i * (r + 1));
                }
            }
            for (Drivers d : List.of(Drivers.sampled(0, 0.025, Map.of("u", u)).cubic().wrap(), Drivers.perRun(0, 0.025, Map.of("u", perRun)))) {
                try (Solver s = Solver.builder(DRIVEN).algorithm(Algorithm.of("dormand-prince-54")).stepControl(StepControl.builder().atol(1e-8)
                        .rtol(1e-8)).drivers(d).memoryManager(mm).vectorKernels(false).build();
                     SolveResult r = s.solve(Batch.grid(DRIVEN, Map.of("x", x0), GridKind.COMBINATORIAL), TimeSpec.of(1).withSaveEvery(0.1))) {
                    out.put("driven/" + out.size(), GoldenOutputsTest.digest(r));
                }
            }
            for (Map.Entry<String, StepControl.Builder> c : controls.entrySet()) {
                String method = c.getKey().substring(0, c.getKey().indexOf('/'));
                try (Solver s = Solver.builder(BLOW_UP).algorithm(Algorithm.of(method)).stepControl(c.getValue()).memoryManager(mm)
                        .vectorKernels(false).build();
                     SolveResult r = s.solve(batch, TimeSpec.of(1).withSaveEvery(0.1))) {
                    assertTrue(r.failureCount() > 0, c.getKey() + ": runs fail");
                    out.put(c.getKey(), GoldenOutputsTest.digest(r));
                }
            }
        }
        return out;
    }

    @Test
    void runsThatFailInPartsFailAsInOneMethod() throws Exception {
        Map<String, String> whole = failures();
        for (String parts : List.of("60", "150", "400")) {
            String before = System.getProperty(PROPERTY);
            System.setProperty(PROPERTY, parts);
            try {
                assertEquals(whole, failures(), "with the kernels in parts of " + parts + " characters");
            } finally {
                restore(before);
            }
        }
    }

    /** The pendulum's dormand-prince-54 Java kernel with the property at {@code partChars}. */
    private static String pendulumKernelWith(String partChars) {
        String before = System.getProperty(PROPERTY);
        System.setProperty(PROPERTY, partChars);
        try {
            Algorithm dp5 = Algorithm.of("dormand-prince-54");
            return KernelGenerator.generate(new KernelSpec(Problems.PENDULUM, dp5.tableau(), StepControl.builder().resolve(dp5, 2),
                    Precision.FLOAT64, new int[] {0, 1}, new int[0], new int[0], new int[0], List.of()), "java").code();
        } finally {
            restore(before);
        }
    }

    private static void restore(String before) {
        if (before == null) {
            System.clearProperty(PROPERTY);
        } else {
            System.setProperty(PROPERTY, before);
        }
    }

    /** The bytecode length of each method of each class compiled from {@code src}. */
    private static Map<String, Integer> methodSizes(KernelSource src, Path dir) throws IOException {
        JavaKernelCompiler.loadClass(src, dir);
        Map<String, Integer> sizes = new LinkedHashMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                ClassModel cls = ClassFile.of().parse(Files.readAllBytes(f));
                for (MethodModel m : cls.methods()) {
                    m.findAttribute(Attributes.code()).ifPresent(c -> sizes.put(f.getFileName() + "." + m.methodName().stringValue(), c.codeLength()));
                }
            }
        }
        return sizes;
    }

    @Test
    void aBigSystemsScalarKernelHasNoMethodHotSpotWillNotCompile(@TempDir Path tmp) throws IOException {
        OdeSystem big = lorenz96(40);
        for (String method : List.of("dormand-prince-853", "vern7", "tsit5", "rk4")) {
            Algorithm a = Algorithm.of(method);
            StepControl ctl = (a.isAdaptive() ? StepControl.builder().atol(1e-8).rtol(1e-8) : StepControl.builder().dt(1e-3)).resolve(a, 40);
            for (Precision p : Precision.values()) {
                KernelSpec spec = new KernelSpec(big, a.tableau(), ctl, p, new int[] {0, 1, 39}, new int[0], new int[0], new int[0], List.of());
                KernelSource src = KernelGenerator.generate(spec, "java");
                assertTrue(src.code().contains("class Frame"), method + " " + p + ": written in parts");
                Map<String, Integer> sizes = methodSizes(src, tmp.resolve(method + p));
                int largest = sizes.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
                assertTrue(largest < HUGE_METHOD_LIMIT, method + " " + p + ": a method of " + largest + " bytes: " + sizes);
            }
        }
        // A small system's kernel stays one method.
        Algorithm dp5 = Algorithm.of("dormand-prince-54");
        KernelSpec small = new KernelSpec(Problems.LORENZ, dp5.tableau(), StepControl.builder().resolve(dp5, 3), Precision.FLOAT64,
                new int[] {0}, new int[0], new int[0], new int[0], List.of());
        assertTrue(!KernelGenerator.generate(small, "java").code().contains("class Frame"), "Lorenz's kernel is one method");
    }

    @Test
    void aBadPartSizeIsOneClearLine() {
        String before = System.getProperty(PROPERTY);
        System.setProperty(PROPERTY, "-3");
        try (MemoryManager mm = Problems.memory();
             Solver s = Solver.builder(Problems.PENDULUM).algorithm(Algorithm.of("rk4")).stepControl(StepControl.builder().dt(0.01))
                     .memoryManager(mm).vectorKernels(false).build()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.solve(
                    Batch.grid(Problems.PENDULUM, Map.of(), GridKind.COMBINATORIAL), TimeSpec.finalState(1)).close());
            assertTrue(e.getMessage().contains(PROPERTY) && e.getMessage().contains("-3"), e.getMessage());
        } finally {
            restore(before);
        }
    }
}
