package org.tornadobatch.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** The tornado-batch launcher starts the command line from the built jars. */
class LauncherTest {

    @Test
    void versionRunsTheCommandLine() throws Exception {
        Scripts.Result r = Scripts.bash("./tornado-batch --version", Map.of());
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.stdout().startsWith("tornado-batch "), r::toString);
    }

    @Test
    void devicesListsTheJvmRuntimeWithItsMemory() throws Exception {
        Scripts.Result r = Scripts.bash("./tornado-batch devices", Map.of());
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.stdout().lines().anyMatch(l -> l.startsWith("jvm        device 0: JVM (") && l.contains(" free of ")), r::toString);
        assertTrue(r.stdout().contains("auto       -> jvm"), r::toString);
    }

    @Test
    void devicesListsTornadoVmsDevicesWhereAnSdkIs() throws Exception {
        String sdk = System.getenv("TORNADOVM_HOME");
        assumeTrue(sdk != null && java.nio.file.Files.isExecutable(java.nio.file.Path.of(sdk, "bin", "tornado")),
                "no TornadoVM SDK (TORNADOVM_HOME): devices runs on plain Java");
        Scripts.Result r = Scripts.bash("./tornado-batch devices", Map.of());
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.stdout().lines().anyMatch(l -> l.startsWith("tornadovm  device 0: ")), r::toString);
        assertTrue(r.stdout().lines().anyMatch(l -> l.matches(" {13}0:0  [A-Z]+  .+  \\d+ MiB")), r::toString);
        assertTrue(r.stdout().contains("(tornadovm with solve --backend tornadovm)"), r::toString);
    }

    @Test
    void anUnknownOptionIsOneLineAndExit2() throws Exception {
        Scripts.Result r = Scripts.bash("./tornado-batch solve examples/lorenz.ode --out /tmp/never --no-such-option", Map.of());
        assertEquals(2, r.exitCode(), r::toString);
        assertTrue(r.stderr().contains("--no-such-option"), r::toString);
    }

    @Test
    void tornadovmBackendWithoutAnSdkIsRefusedClearly() throws Exception {
        Map<String, String> noSdk = new java.util.HashMap<>();
        noSdk.put("TORNADO_ENV_TORNADO_SEARCH", "");
        noSdk.put("TORNADOVM_HOME", null); // as on a machine without one, also where the tests run with an SDK
        noSdk.put("TORNADO_SDK", null);
        Scripts.Result r = Scripts.bash("./tornado-batch solve examples/lorenz.ode --backend tornadovm", noSdk);
        assertEquals(2, r.exitCode(), r::toString);
        assertTrue(r.stderr().contains("needs a TornadoVM SDK"), r::toString);
    }

    @Test
    void theReadmesMainCommandSolvesTheLorenzSweep(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path out = dir.resolve("lorenz");
        Scripts.Result r = Scripts.bash("./tornado-batch solve examples/lorenz.ode --sweep rho=0:21:10000 --out " + out, Map.of());
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(Files.isRegularFile(out.resolve("state.npy")), r::toString);
        assertTrue(Files.readString(out.resolve("run.json")).contains("\"runs\" : 10000"), r::toString);
        assertEquals(10001, Files.readAllLines(out.resolve("grid.csv")).size());
        assertTrue(r.stderr().lines().anyMatch(l -> l.startsWith("INFO  solved 10000 runs")), r::toString);
    }

    @Test
    void anInterruptedSolveLeavesNoFolderThatLooksComplete(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Scripts.bash("./tornado-batch --version", Map.of()); // builds first if needed, so the solve below starts at once
        for (boolean forcibly : new boolean[] {false, true}) {
            Path out = dir.resolve("vdp-" + forcibly);
            Process p = new ProcessBuilder("./tornado-batch", "solve", "examples/vanderpol.ode", "--sweep", "mu=0.5:5:20000",
                    "--duration", "2000", "--save-every", "10", "--quiet", "--out", out.toString())
                    .directory(Scripts.root().toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("log-" + forcibly).toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            boolean partial = false;
            while (!partial && p.isAlive() && System.nanoTime() < deadline) {
                try (var s = Files.list(dir)) {
                    partial = s.anyMatch(f -> f.getFileName().toString().startsWith(".vdp-" + forcibly + ".partial-"));
                }
                Thread.sleep(50);
            }
            assertTrue(partial && p.isAlive(), "the solve should be under way with its partial folder: " + Files.readString(dir.resolve("log-" + forcibly)));
            if (forcibly) {
                p.destroyForcibly(); // SIGKILL: nothing can clean up
            } else {
                p.destroy(); // SIGTERM: the shutdown hook removes the partial folder
            }
            p.waitFor(60, TimeUnit.SECONDS);
            assertTrue(!Files.exists(out), "no folder under the --out name after an interrupted solve");
            if (!forcibly) {
                try (var s = Files.list(dir)) {
                    assertTrue(s.noneMatch(f -> f.getFileName().toString().contains(".partial-")), "SIGTERM cleans up");
                }
            }
        }
    }
}
