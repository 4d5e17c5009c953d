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
