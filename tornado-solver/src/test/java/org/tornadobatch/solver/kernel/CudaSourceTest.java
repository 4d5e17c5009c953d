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
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tornadobatch.device.KernelSource;
import org.tornadobatch.solver.Precision;
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.Controller;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.solver.output.Metric;
import org.tornadobatch.system.OdeSystem;

/**
 * The CUDA kernels the generator writes: their shape, and (where nvcc is installed, as on CI) that every
 * algorithm, controller, precision and output layout compiles to PTX. Running them needs a GPU: see the
 * {@code cuda}-tagged tests in the tests module.
 */
class CudaSourceTest {
    @Test
    void aCudaKernelIsOneGlobalFunctionWithoutJavaIdioms() {
        KernelSource src = KernelGenerator.generate(KernelVariants.spec(Algorithm.TSIT5, Controller.GUSTAFSSON, Precision.FLOAT32, true), "cuda");
        assertEquals("cuda", src.language());
        assertTrue(src.code().contains("extern \"C\" __global__ void " + src.entryPoint() + "("), src.code());
        for (String javaOnly : List.of("Math.", "final ", "getAtIndex", "setAtIndex", "Double.", "Float.", "boolean", "break events")) {
            assertFalse(src.code().contains(javaOnly), javaOnly + " in\n" + src.code());
        }
        assertEquals(src.entryPoint(), KernelGenerator.generate(KernelVariants.spec(Algorithm.TSIT5, Controller.GUSTAFSSON, Precision.FLOAT32, true),
                "java").entryPoint().substring("org.tornadobatch.generated.".length()));
    }

    @Test
    void everyVariantCompilesWithNvcc(@TempDir Path dir) throws IOException, InterruptedException {
        Path nvcc = findNvcc();
        assumeTrue(nvcc != null, "nvcc not found (set CUDA_HOME or put it on PATH); the generated CUDA C was not compiled");
        List<String> cmd = new ArrayList<>(List.of(nvcc.toString(), "-ptx", "-arch=compute_90", "-std=c++17"));
        List<KernelSpec> specs = KernelVariants.specs();
        for (int i = 0; i < specs.size(); i++) {
            Path f = dir.resolve("k" + i + ".cu");
            Files.writeString(f, KernelGenerator.generate(specs.get(i), "cuda").code(), StandardCharsets.UTF_8);
            cmd.add(f.getFileName().toString());
        }
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "nvcc did not finish in 300 s");
        assertEquals(0, p.exitValue(), log);
        for (int i = 0; i < specs.size(); i++) {
            String ptx = Files.readString(dir.resolve("k" + i + ".ptx"));
            assertTrue(ptx.contains(".entry " + KernelGenerator.generate(specs.get(i), "cuda").entryPoint()), "k" + i);
        }
    }

    static Path findNvcc() {
        List<Path> candidates = new ArrayList<>();
        String home = System.getenv("CUDA_HOME");
        if (home != null) {
            candidates.add(Path.of(home, "bin", "nvcc"));
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty()) {
                candidates.add(Path.of(dir, "nvcc"));
            }
        }
        candidates.add(Path.of("/usr/local/cuda/bin/nvcc"));
        return candidates.stream().filter(Files::isExecutable).findFirst().orElse(null);
    }
}
