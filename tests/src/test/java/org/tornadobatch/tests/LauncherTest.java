package org.tornadobatch.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
            } else {
                // Issue 15: a SIGKILLed solve's partial folder stayed for ever; the next solve into the name removes it.
                Scripts.Result next = Scripts.bash("./tornado-batch solve examples/vanderpol.ode --duration 0.1 --quiet --out " + out, Map.of());
                assertEquals(0, next.exitCode(), next::toString);
                assertTrue(Files.isRegularFile(out.resolve("run.json")));
                try (var s = Files.list(dir)) {
                    assertTrue(s.noneMatch(f -> f.getFileName().toString().startsWith(".vdp-true.partial-")), "the stale partial folder is gone");
                }
            }
        }
    }

    @Test
    void aSecondSolveIntoTheSameFolderIsRefusedWhileTheFirstWrites(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        // Issue 15: both solves exited 0 and logged "wrote"; only one result survived.
        Scripts.bash("./tornado-batch --version", Map.of());
        Path out = dir.resolve("shared");
        Process first = new ProcessBuilder("./tornado-batch", "solve", "examples/vanderpol.ode", "--sweep", "mu=0.5:5:20000",
                "--duration", "200", "--save-every", "10", "--quiet", "--out", out.toString())
                .directory(Scripts.root().toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("first.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (first.isAlive() && !Files.exists(dir.resolve(".shared.lock")) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(first.isAlive(), "the first solve should still run: " + Files.readString(dir.resolve("first.log")));
        Scripts.Result second = Scripts.bash("./tornado-batch solve examples/lorenz.ode --quiet --out " + out, Map.of());
        assertTrue(first.waitFor(300, TimeUnit.SECONDS));
        assertEquals(0, first.exitValue(), Files.readString(dir.resolve("first.log")));
        assertEquals(2, second.exitCode(), second::toString);
        assertEquals(1, second.stderr().lines().count(), second::toString);
        assertTrue(second.stderr().contains("is being written by another solve (pid "), second::toString);
        assertTrue(Files.readString(out.resolve("run.json")).contains("\"name\" : \"vanderpol\""), "the first solve's result");
        try (var s = Files.list(dir)) {
            assertTrue(s.noneMatch(f -> f.getFileName().toString().startsWith(".shared.partial-")), "no partial folder left");
        }
    }

    @Test
    void refusalsFoundLateAreStillOneLineOnStderr(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        // Issue 15: options checked after the runtime opened printed its INFO line before the refusal.
        for (String args : new String[] {"--save-variables nope", "--summarise-variables nope --outputs mean", "--mem-proportion 2",
                "--sample-every 0.3 --outputs mean --summarise-every 1", "--algorithm rk4 --atol 1e-8", "--set beta=NaN"}) {
            Scripts.Result r = Scripts.bash("./tornado-batch solve examples/lorenz.ode " + args + " --out " + dir.resolve("never"), Map.of());
            assertEquals(2, r.exitCode(), args + ": " + r);
            assertEquals(1, r.stderr().lines().count(), args + ": " + r);
            assertTrue(r.stderr().startsWith("tornado-batch: "), args + ": " + r);
        }
    }

    @Test
    void verbosityOptionsChooseTheLogLines(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Scripts.Result quiet = Scripts.bash("./tornado-batch solve examples/lorenz.ode --quiet --out " + dir.resolve("q"), Map.of());
        assertEquals(0, quiet.exitCode(), quiet::toString);
        assertEquals("", quiet.stderr(), "--quiet: warnings and errors only");
        Scripts.Result normal = Scripts.bash("./tornado-batch solve examples/lorenz.ode --out " + dir.resolve("n"), Map.of());
        assertTrue(normal.stderr().lines().anyMatch(l -> l.startsWith("INFO  wrote ")), normal::toString);
        assertTrue(normal.stderr().lines().noneMatch(l -> l.startsWith("DEBUG")), normal::toString);
        Scripts.Result v = Scripts.bash("./tornado-batch solve -v examples/lorenz.ode --out " + dir.resolve("v"), Map.of());
        assertEquals(0, v.exitCode(), v::toString);
        assertTrue(v.stderr().lines().anyMatch(l -> l.startsWith("DEBUG")), v::toString);
        Scripts.Result vv = Scripts.bash("./tornado-batch -vv solve examples/lorenz.ode --out " + dir.resolve("vv"), Map.of());
        assertEquals(0, vv.exitCode(), vv::toString);
        assertTrue(vv.stderr().lines().anyMatch(l -> l.startsWith("DEBUG")), vv::toString);
    }

    @Test
    void versionIsTheBuildsVersion() throws Exception {
        String pom = Files.readString(Scripts.root().resolve("pom.xml"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("<artifactId>tornado-batch-parent</artifactId>\\s*<version>([^<]+)</version>").matcher(pom);
        assertTrue(m.find(), "the parent pom's version");
        for (String cmd : new String[] {"./tornado-batch --version", "./tornado-batch solve --version"}) {
            Scripts.Result r = Scripts.bash(cmd, Map.of());
            assertEquals(0, r.exitCode(), r::toString);
            assertEquals("tornado-batch " + m.group(1), r.stdout().strip(), cmd);
        }
    }

    @Test
    void theProgressBarEndsBeforeTheLogLinesAndEstimatesFromTheStart(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "no script(1) to give the solve a terminal");
        Scripts.bash("./tornado-batch --version", Map.of());
        Path log = dir.resolve("tty.log");
        Scripts.Result r = Scripts.bash("script -qec \"./tornado-batch solve examples/vanderpol.ode --sweep mu=0.5:5:20000 --duration 200"
                + " --save-every 10 --mem-proportion 0.0005 --out " + dir.resolve("bar") + "\" " + log + " > /dev/null", Map.of());
        assertEquals(0, r.exitCode(), r::toString);
        String text = Files.readString(log).replace("\r\n", "\n");
        assertTrue(text.contains("solving "), "the bar was drawn: " + text);
        assertTrue(text.contains("runs/s | chunk "), "a separator between the rate and the chunk: " + text);
        String afterSolved = text.substring(text.indexOf("INFO  solved"));
        assertTrue(!afterSolved.contains("\r"), "no redraw after the closing lines: " + afterSolved);
        for (String line : text.split("\n")) {
            if (line.contains("INFO") && line.contains("\r")) {
                assertTrue(line.startsWith("INFO"), "a log line glued to the bar: " + line);
            }
        }
        // The estimate of the time left counts the time before the bar appeared: at p% after t s, it is t (1 - p) / p.
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("solving +(\\d+)% .*?\\((\\d+):(\\d+):(\\d+) / (\\d+):(\\d+):(\\d+)\\)").matcher(text);
        List<long[]> shown = new java.util.ArrayList<>(); // percent, elapsed s, left s, as each redraw showed them
        while (m.find()) {
            shown.add(new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(3)) * 60 + Long.parseLong(m.group(4)),
                Long.parseLong(m.group(6)) * 60 + Long.parseLong(m.group(7))});
        }
        int checked = 0;
        for (int k = 0; k + 1 < shown.size(); k++) {
            double p = shown.get(k)[0] / 100.0;
            long elapsed = shown.get(k)[1];
            long left = shown.get(k)[2];
            // The library reads the progress for the percentage and again for the estimate: a chunk that ends between the
            // two moves the second read up to the next redraw's percentage (seen once in CI: 17% shown, 33% estimated).
            double pNext = Math.max(p, shown.get(k + 1)[0] / 100.0);
            if (p > 0.05 && pNext < 0.95 && elapsed >= 1) {
                // Both clocks are shown in whole seconds, the percentage in whole percent: the true elapsed time is in
                // [elapsed, elapsed + 1), the true fraction within half a percent (of this redraw's or the next one's).
                double lo = elapsed * (1 - (pNext + 0.005)) / (pNext + 0.005) - 1;
                double hi = (elapsed + 1) * (1 - (p - 0.005)) / (p - 0.005) + 1;
                assertTrue(left >= lo && left <= hi, "at " + shown.get(k)[0] + "% after " + elapsed + " s: " + left + " s left, expected "
                        + lo + " to " + hi);
                checked++;
            }
        }
        assertTrue(checked > 0 || !text.contains("%"), "an estimate was checked: " + text);
    }

    @Test
    void aSolveWhoseResultsAreTwiceTheJvmsMemoryCompletesWithCorrectFiles(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        // 524,288 runs x 65 saves x 8 bytes = 272 MB of state, against a heap and a direct-memory limit of 96 MB each:
        // the results go straight into their memory-mapped file in the results folder.
        Path ode = Files.writeString(dir.resolve("decay.ode"), "states: x = 1.0\nparameters: k = 1.0\ndx = -k * x\n");
        Path out = dir.resolve("big");
        int runs = 1 << 19;
        Scripts.Result r = Scripts.bash("./tornado-batch solve " + ode + " --sweep k=0:1:" + runs + " --algorithm rk4 --dt 0.01 --duration 1"
                + " --save-every 0.015625 --backend jvm -q --out " + out, Map.of("TORNADO_BATCH_JAVA_OPTS", "-Xmx96m -XX:MaxDirectMemorySize=96m",
                "TORNADO_BATCH_CACHE_DIR", dir.resolve("cache").toString()));
        assertEquals(0, r.exitCode(), r::toString);
        Path state = out.resolve("state.npy");
        assertEquals(128 + 65L * runs * 8, Files.size(state), "a header and 65 x 1 x " + runs + " float64");
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(state)) {
            for (int save : new int[] {0, 32, 64}) {
                java.nio.ByteBuffer row = java.nio.ByteBuffer.allocate(runs * 8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                ch.read(row, 128 + (long) save * runs * 8);
                row.flip();
                double t = save / 64.0;
                for (int run = 0; run < runs; run++) {
                    double k = (double) run / (runs - 1);
                    assertEquals(Math.exp(-k * t), row.getDouble(), 1e-9, "x(" + t + ") of run " + run);
                }
            }
        }
    }

    @Test
    void theLauncherKeepsAClassDataArchiveQuietlyUnlessTurnedOff(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path cache = dir.resolve("cache");
        for (int i = 0; i < 2; i++) { // the first run makes the archive, the second maps it
            Scripts.Result r = Scripts.bash("./tornado-batch --version", Map.of("TORNADO_BATCH_CACHE_DIR", cache.toString()));
            assertEquals(0, r.exitCode(), r::toString);
            assertEquals("", r.stderr(), "nothing about the archive on stderr");
        }
        try (var files = Files.list(cache.resolve("cds"))) {
            assertEquals(1, files.filter(f -> f.toString().endsWith(".jsa")).count(), "one archive");
        }
        Path off = dir.resolve("off");
        Scripts.Result r = Scripts.bash("./tornado-batch --version", Map.of("TORNADO_BATCH_CACHE_DIR", off.toString(), "TORNADO_BATCH_CDS", "0"));
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(!Files.exists(off.resolve("cds")), "TORNADO_BATCH_CDS=0: no archive");
    }
}
