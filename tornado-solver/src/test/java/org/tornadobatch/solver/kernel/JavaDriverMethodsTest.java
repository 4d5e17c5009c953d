package org.tornadobatch.solver.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.MethodModel;
import java.lang.classfile.attribute.CodeAttribute;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tornadobatch.device.KernelSource;
import org.tornadobatch.device.host.JavaKernelCompiler;
import org.tornadobatch.solver.Precision;
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.Controller;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.system.OdeSystem;

/**
 * The scalar Java kernel of a driven system evaluates each driver in a method of its own ({@code tb_dv<j>}), so that
 * its run method stays the size of the same system's without drivers. Written out at each of dormand-prince-54's
 * stages, the cubic drivers had made the run method 3260 bytes of bytecode, which HotSpot's C1 refused ("out of
 * virtual registers in LIR generator"), and the kernel then ran for seconds in C1's unprofiled code: in six of seven
 * fresh CLI runs 12.4 to 15.5 s against 4.0 s (262144 runs, 2026-12-07).
 */
class JavaDriverMethodsTest {
    private static final OdeSystem FORCED = OdeSystem.parse("""
            states: x = 0.0, v = 1.0
            parameters: w = 1.0
            drivers: u
            dx = v
            dv = -w * w * x - 0.1 * v + 3 * u
            """, "forced");

    /** The same system with u a parameter. */
    private static final OdeSystem PLAIN = OdeSystem.parse("""
            states: x = 0.0, v = 1.0
            parameters: w = 1.0, u = 0.0
            dx = v
            dv = -w * w * x - 0.1 * v + 3 * u
            """, "plain");

    private static KernelSpec spec(OdeSystem sys, DriverTable drivers) {
        StepControl ctl = StepControl.builder().controller(Controller.PI).resolve(Algorithm.DORMAND_PRINCE_54, 2);
        return new KernelSpec(sys, Algorithm.DORMAND_PRINCE_54.tableau(), ctl, Precision.FLOAT64, new int[] {0, 1}, new int[0], new int[0],
                new int[0], List.of(), false, drivers);
    }

    /** The bytecode length of each method of the kernel class compiled from {@code spec}'s Java source. */
    private static java.util.Map<String, Integer> methodSizes(KernelSpec spec, Path dir) throws IOException {
        KernelSource src = KernelGenerator.generate(spec, "java");
        JavaKernelCompiler.loadClass(src, dir);
        ClassModel cls = ClassFile.of().parse(Files.readAllBytes(dir.resolve(src.entryPoint().replace('.', '/') + ".class")));
        java.util.Map<String, Integer> sizes = new java.util.HashMap<>();
        for (MethodModel m : cls.methods()) {
            m.findAttribute(java.lang.classfile.Attributes.code()).ifPresent(c -> sizes.put(m.methodName().stringValue(), ((CodeAttribute) c).codeLength()));
        }
        return sizes;
    }

    @Test
    void driversAreMethodsOfTheirOwnAndTheRunMethodStaysTheSize(@TempDir Path tmp) throws IOException {
        for (boolean perRun : new boolean[] {false, true}) {
            DriverTable cubic = new DriverTable(List.of("u"), 3, 199, false, 0, 0.05, perRun);
            java.util.Map<String, Integer> driven = methodSizes(spec(FORCED, cubic), tmp.resolve("driven" + perRun));
            java.util.Map<String, Integer> plain = methodSizes(spec(PLAIN, null), tmp.resolve("plain" + perRun));
            assertTrue(driven.containsKey("tb_dv0"), "a method for the driver: " + driven.keySet());
            int withDrivers = driven.get("runOne");
            int without = plain.get("runOne");
            // Seven stage evaluations each call tb_dv0 (about 10 bytes a call) where the parameter was one load.
            assertTrue(withDrivers <= without + 200, "runOne with drivers " + withDrivers + " bytes, without " + without + " (per run: " + perRun + ")");
        }
        String code = KernelGenerator.generate(spec(FORCED, new DriverTable(List.of("u"), 3, 199, false, 0, 0.05, false)), "java").code();
        String runOne = code.substring(code.indexOf("private static void runOne"));
        assertEquals(-1, runOne.indexOf("drv.getAtIndex"), "the run method reads no driver table itself");
    }
}
