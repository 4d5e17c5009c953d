package org.tornadobatch.solver.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import javax.tools.ToolProvider;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tornadobatch.device.KernelSource;
import org.tornadobatch.solver.Precision;
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.Controller;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.system.OdeSystem;

/**
 * The TornadoVM kernels the generator writes: their shape, and (where a TornadoVM SDK is installed) that every
 * algorithm, controller, precision and output layout compiles against TornadoVM's API. Running them needs the
 * SDK's runtime: see the {@code tornadovm}-tagged tests in the tests module.
 */
class TornadoSourceTest {

    @Test
    void aTornadoKernelIsAParallelLoopOverTornadoArrays() {
        KernelSource src = KernelGenerator.generate(KernelVariants.spec(Algorithm.TSIT5, Controller.GUSTAFSSON, Precision.FLOAT32, true),
                "tornadovm");
        assertEquals("tornadovm", src.language());
        assertTrue(src.options().containsKey("-g"), "TornadoVM needs the local variable tables: " + src.options());
        assertTrue(src.code().contains("for (@Parallel int r = 0; r < size; r++)"), src.code());
        assertTrue(src.code().contains("FloatArray init"), src.code());
        for (String notHere : List.of("MemorySegment", "getAtIndex", "Math.", "__global__")) {
            assertFalse(src.code().replace("TornadoMath.", "").contains(notHere), notHere + " in\n" + src.code());
        }
    }

    /**
     * Small adaptive explicit float32 kernels of at most 7 stages recommend a register cap to TornadoVM's PTX backend;
     * float64, fixed-step and implicit kernels, larger tableaus, bigger systems and driven ones leave it to CUDA's JIT.
     */
    @Test
    void onlySmallAdaptiveExplicitFloat32KernelsRecommendARegisterCap() {
        java.util.function.Function<KernelSpec, String> cap = spec -> KernelGenerator.generate(spec, "tornadovm").options().get("tornadovm.maxRegisters");
        assertEquals("64", cap.apply(KernelVariants.spec(Algorithm.DORMAND_PRINCE_54, Controller.PI, Precision.FLOAT32, false)));
        assertEquals("64", cap.apply(KernelVariants.spec(Algorithm.TSIT5, Controller.GUSTAFSSON, Precision.FLOAT32, true)));
        assertEquals(null, cap.apply(KernelVariants.spec(Algorithm.DORMAND_PRINCE_54, Controller.PI, Precision.FLOAT64, false)));
        assertEquals(null, cap.apply(KernelVariants.spec(Algorithm.DORMAND_PRINCE_853, Controller.PI, Precision.FLOAT32, false)), "12 stages");
        assertEquals(null, cap.apply(KernelVariants.spec(Algorithm.CLASSICAL_RK4, Controller.FIXED, Precision.FLOAT32, false)));
        assertEquals(null, cap.apply(KernelVariants.spec(Algorithm.RADAU_IIA_5, Controller.PI, Precision.FLOAT32, false)));
        assertEquals(null, cap.apply(KernelVariants.spec(Algorithm.RODAS5P, Controller.PI, Precision.FLOAT32, false)));
        assertEquals(null, cap.apply(KernelVariants.driven(Precision.FLOAT32, 3, false)));
    }

    /**
     * A sum of a value and itself is written as twice the value (equal in every rounding), in the equations, through
     * an auxiliary and in the Jacobian: TornadoVM 5.2's fused multiply-add phases fail on a product added to itself.
     * Other sums are left as written.
     */
    @Test
    void aProductAddedToItselfIsWrittenAsTwiceTheProduct() {
        OdeSystem sys = OdeSystem.parse("""
                states: x = 1, y = 1
                parameters: a = 0.5, k = 3
                w = a * y
                dx = a * x + x * a
                dy = w + y * a - k * y * y + a * y * x
                """, "doubled");
        StepControl ctl = StepControl.builder().controller(Controller.FIXED).dt(0.01).resolve(Algorithm.RODAS4, 2);
        KernelSpec spec = new KernelSpec(sys, Algorithm.RODAS4.tableau(), ctl, Precision.FLOAT64, new int[] {0, 1}, new int[0], new int[0],
                new int[0], List.of());
        for (String language : List.of("tornadovm", "cuda", "java")) {
            String code = KernelGenerator.generate(spec, language).code();
            assertTrue(code.contains("k0_0 = (2.0 * (p0 * y0));"), language + ": a * x + x * a\n" + code);
            assertFalse(code.contains("((p0 * y0) + (y0 * p0))"), language + ": a * x + x * a kept as a sum\n" + code);
            assertTrue(code.contains("(2.0 * a_w)"), language + ": w + y * a\n" + code);
            // d/dy of -k * y * y: -((k * y) + (k * y)) in the Jacobian, and of w + y * a: a + a
            assertTrue(code.contains("((-2.0) * (p1 * y1))") || code.contains("- (2.0 * (p1 * y1))"), language + ": the Jacobian's k * y + k * y\n" + code);
            assertTrue(code.contains("(2.0 * p0)"), language + ": the Jacobian's a + a\n" + code);
            assertTrue(code.contains("((p0 * y1) * y0)"), language + ": a * y * x kept\n" + code);
        }
    }

    @Test
    void smallFixedStepsAreUnrolledByTwo() {
        KernelSpec small = KernelVariants.spec(Algorithm.CLASSICAL_RK4, Controller.FIXED, Precision.FLOAT64, false);
        String code = KernelGenerator.generate(small, "tornadovm").code();
        assertTrue(code.contains("s < full - 1; s += 2)") && code.contains("if ((full & 1) != 0) {"), code);
        assertFalse(KernelGenerator.generate(small, "cuda").code().contains("s += 2"), "NVRTC unrolls by itself");
        // 17 states of 4 stages: past KernelGenerator.UNROLL_MAX_WORK
        OdeSystem.Builder b = OdeSystem.builder("chain");
        List<String> eqs = new ArrayList<>();
        for (int i = 0; i < 17; i++) {
            b.state("x" + i, 1);
            eqs.add("dx" + i + " = -x" + i);
        }
        OdeSystem chain = b.equations(eqs.toArray(String[]::new)).build();
        assertTrue(17 * 4 > KernelGenerator.UNROLL_MAX_WORK);
        KernelSpec large = new KernelSpec(chain, Algorithm.CLASSICAL_RK4.tableau(),
                StepControl.builder().controller(Controller.FIXED).resolve(Algorithm.CLASSICAL_RK4, 17), Precision.FLOAT64,
                new int[] {0}, new int[0], new int[0], new int[0], List.of());
        String big = KernelGenerator.generate(large, "tornadovm").code();
        assertTrue(big.contains("s < full; s++)") && !big.contains("s += 2"), big);
    }

    @Test
    void tornadoVmFixedStepKernelsHoldTheirStepSize() {
        KernelSpec a = fixedRk4(1e-3);
        KernelSpec b = fixedRk4(2e-3);
        assertEquals(a.fingerprint(), b.fingerprint(), "dt is a launch argument, not part of the spec");
        KernelSource ta = KernelGenerator.generate(a, "tornadovm");
        assertTrue(ta.code().contains("final double h = 0.001;"), ta.code());
        assertFalse(ta.entryPoint().equals(KernelGenerator.generate(b, "tornadovm").entryPoint()), "one TornadoVM kernel per step size");
        assertFalse(KernelGenerator.key(a, "tornadovm").equals(KernelGenerator.key(b, "tornadovm")));
        assertEquals(KernelGenerator.key(a, "cuda"), KernelGenerator.key(b, "cuda"));
        assertEquals(KernelGenerator.generate(a, "cuda").entryPoint(), KernelGenerator.generate(b, "cuda").entryPoint(), "cuda takes dt as a parameter");
        KernelSpec adaptive = KernelVariants.spec(Algorithm.DORMAND_PRINCE_54, Controller.PI, Precision.FLOAT32, false);
        assertEquals(adaptive.fingerprint(), KernelGenerator.key(adaptive, "tornadovm"), "adaptive steps change at run time");
        KernelSpec f64 = KernelVariants.spec(Algorithm.CLASSICAL_RK4, Controller.FIXED, Precision.FLOAT64, false);
        assertEquals(f64.fingerprint(), KernelGenerator.key(f64, "tornadovm"), "float64 kernels take dt at run time");
        assertTrue(KernelGenerator.generate(f64, "tornadovm").code().contains("final double h = dt;"));
    }

    private static KernelSpec fixedRk4(double dt) {
        StepControl c = StepControl.builder().controller(Controller.FIXED).dt(dt).resolve(Algorithm.CLASSICAL_RK4, 2);
        return new KernelSpec(KernelVariants.PENDULUM, Algorithm.CLASSICAL_RK4.tableau(), c, Precision.FLOAT32, new int[] {0, 1}, new int[0],
                new int[0], new int[0], List.of());
    }

    @Test
    void everyVariantCompilesAgainstTheTornadoVmApi(@TempDir Path dir) throws IOException {
        Path api = apiJar();
        assumeTrue(api != null, "no TornadoVM SDK (TORNADOVM_HOME or TORNADO_SDK); the generated TornadoVM Java was not compiled");
        List<String> args = new ArrayList<>(List.of("-g", "-proc:none", "-classpath", api.toString(), "-d", dir.resolve("out").toString()));
        for (KernelSpec spec : KernelVariants.specs()) {
            KernelSource src = KernelGenerator.generate(spec, "tornadovm");
            String simple = src.entryPoint().substring(src.entryPoint().lastIndexOf('.') + 1);
            Path f = dir.resolve(simple + ".java");
            Files.writeString(f, src.code(), StandardCharsets.UTF_8);
            args.add(f.toString());
        }
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int rc = ToolProvider.getSystemJavaCompiler().run(null, null, err, args.toArray(String[]::new));
        assertEquals(0, rc, err.toString(StandardCharsets.UTF_8));
    }

    static Path apiJar() throws IOException {
        String home = System.getenv("TORNADOVM_HOME") != null ? System.getenv("TORNADOVM_HOME") : System.getenv("TORNADO_SDK");
        if (home == null) {
            return null;
        }
        Path dir = Path.of(home, "share", "java", "tornado");
        if (!Files.isDirectory(dir)) {
            return null;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("tornado-api-")).findFirst().orElse(null);
        }
    }
}
