package org.tornadobatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

/** The solve command in process: results on disk, and one clear line with exit code 2 for each bad input. */
class SolveCommandTest {
    static final String LORENZ = """
            states: x = 1.0, y = 0.0, z = 0.0
            parameters: sigma = 10.0, rho = 28.0
            constants: beta = 8/3
            dx = sigma * (y - x)
            dy = x * (rho - z) - y
            dz = x * y - beta * z
            """;

    @TempDir
    static Path dir;
    static Path lorenz;

    record Run(int exit, String err) {
    }

    @BeforeAll
    static void files() throws Exception {
        lorenz = Files.writeString(dir.resolve("lorenz.ode"), LORENZ);
    }

    static Run run(String... args) {
        CommandLine cl = TornadoBatch.newCommandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        List<String> a = new ArrayList<>(List.of("solve", "--quiet"));
        a.addAll(List.of(args));
        int code = cl.execute(a.toArray(String[]::new));
        return new Run(code, err.toString());
    }

    static void assertBadInput(Run r, String expected) {
        assertEquals(2, r.exit(), r.err());
        assertEquals(1, r.err().lines().count(), "one line: " + r.err());
        assertTrue(r.err().contains(expected), r.err());
    }

    @Test
    void writesTheResultsFolder() throws Exception {
        Path out = dir.resolve("ok");
        Path png = dir.resolve("ok.png");
        Run r = run(lorenz.toString(), "--sweep", "rho=0:21:50", "--save-every", "0.1", "--outputs", "state,time,mean,peaks[2]",
                "--plot", png.toString(), "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        for (String f : List.of("state.npy", "state_summaries.npy", "time.npy", "status.npy", "accepted_steps.npy",
                "rejected_steps.npy", "grid.csv", "run.json")) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        byte[] npy = Files.readAllBytes(out.resolve("state.npy"));
        String header = new String(npy, 10, 118);
        assertTrue(header.contains("'shape': (11, 3, 50)"), header);
        assertEquals(0, (10 + (npy[8] & 0xff)) % 64, "header padded to 64 bytes");
        assertEquals(128 + 11 * 3 * 50 * 8, npy.length);
        assertEquals(51, Files.readAllLines(out.resolve("grid.csv")).size());
        assertTrue(Files.readString(out.resolve("run.json")).contains("\"algorithm\" : \"dormand-prince-54\""));
        assertTrue(Files.size(png) > 1000);
        try (var s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().contains("partial")), "no partial folder left");
        }
    }

    @Test
    void aCudaDeviceOpenedBesideTheChecksReportsInTurn() throws Exception {
        // The cuda runtime opens on its own thread from the start: a bad option is still the error reported (not the
        // device's), and where no GPU is, the device's error is one line and no folder is left.
        Path bad = dir.resolve("cuda-bad");
        Run r = run(lorenz.toString(), "--sweep", "rho=0:21:5", "--rtol", "-1", "--backend", "cuda", "--out", bad.toString());
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("rtol"), r.err());
        assertFalse(Files.exists(bad));
        Path out = dir.resolve("cuda");
        r = run(lorenz.toString(), "--sweep", "rho=0:21:5", "--backend", "cuda", "--out", out.toString());
        if (r.exit() == 0) { // a GPU is here
            assertTrue(Files.isRegularFile(out.resolve("run.json")));
            assertTrue(Files.readString(out.resolve("run.json")).contains("\"open\""), "the phase 'open' recorded");
        } else {
            assertEquals(2, r.exit(), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().contains("--backend cuda"), r.err());
            assertFalse(Files.exists(out));
        }
    }

    @Test
    void controllerOptionsTakeEffectAndAreRecorded() throws Exception {
        // PI with exponents (1, 0) is the I controller: the same bits, computed through another controller's code.
        Path pi = dir.resolve("pi10");
        Path i = dir.resolve("i");
        Path dflt = dir.resolve("pidefault");
        String[] common = {lorenz.toString(), "--sweep", "rho=0:21:20", "--atol", "1e-7", "--rtol", "1e-7", "--safety", "0.8"};
        assertEquals(0, run(concat(common, "--pid", "1,0", "--out", pi.toString())).exit());
        assertEquals(0, run(concat(common, "--controller", "i", "--out", i.toString())).exit());
        assertEquals(0, run(concat(common, "--out", dflt.toString())).exit());
        assertEquals(-1L, Files.mismatch(pi.resolve("state.npy"), i.resolve("state.npy")));
        assertTrue(Files.mismatch(pi.resolve("state.npy"), dflt.resolve("state.npy")) >= 0, "the default exponents differ from (1, 0)");
        String json = Files.readString(pi.resolve("run.json")).replaceAll("\\s+", "");
        assertTrue(json.contains("\"pid\":[1.0,0.0,0.0]") && json.contains("\"safety\":0.8"), json);
        assertBadInput(run(lorenz.toString(), "--gains", "0.2", "--out", dir.resolve("g1").toString()), "--gains: [0.2]");
        assertBadInput(run(lorenz.toString(), "--pid", "1,2,3,4", "--out", dir.resolve("g2").toString()), "--pid: [1.0, 2.0, 3.0, 4.0]");
        assertBadInput(run(lorenz.toString(), "--safety", "1.5", "--out", dir.resolve("g3").toString()), "safety: 1.5");
        assertBadInput(run(lorenz.toString(), "--algorithm", "rk4", "--pid", "1,0", "--out", dir.resolve("g4").toString()), "pid: set for");
    }

    @Test
    void simdChoosesTheKernelWithTheSameResults() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
                "the JVM was started without --add-modules jdk.incubator.vector");
        Path vector = dir.resolve("simd");
        Path scalar = dir.resolve("nosimd");
        Path small = dir.resolve("simd-auto");
        String[] common = {lorenz.toString(), "--sweep", "rho=0:21:37", "--algorithm", "rk4", "--dt", "0.001", "--save-every", "0.25",
            "--backend", "jvm"};
        assertEquals(0, run(concat(common, "--simd", "--out", vector.toString())).exit());
        assertEquals(0, run(concat(common, "--no-simd", "--out", scalar.toString())).exit());
        assertEquals(0, run(concat(common, "--out", small.toString())).exit());
        // run.json names the kernel: a vector kernel's class starts with KV, a scalar one's with K and a hash.
        assertTrue(Files.readString(vector.resolve("run.json")).contains("org.tornadobatch.generated.KV"), "--simd: the vector kernel");
        assertFalse(Files.readString(scalar.resolve("run.json")).contains("org.tornadobatch.generated.KV"), "--no-simd: the scalar kernel");
        // 37 runs x 1000 steps x 3 states is far less work than a vector kernel's JIT warm-up costs: the scalar kernel.
        assertFalse(Files.readString(small.resolve("run.json")).contains("org.tornadobatch.generated.KV"), "default, a small batch: scalar");
        assertEquals(-1L, Files.mismatch(vector.resolve("state.npy"), scalar.resolve("state.npy")), "fixed steps agree bit for bit");
    }

    @Test
    void stepCountsAreWrittenAsInt32PerSaveAndRun() throws Exception {
        Path out = dir.resolve("counts");
        Run r = run(lorenz.toString(), "--sweep", "rho=0:21:7", "--save-every", "0.5", "--outputs", "state,step_counts", "--algorithm", "rk4",
                "--dt", "0.01", "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        byte[] npy = Files.readAllBytes(out.resolve("step_counts.npy"));
        String header = new String(npy, 10, npy[8] & 0xff);
        assertTrue(header.contains("'descr': '<i4'") && header.contains("'shape': (3, 3, 7)"), header);
        java.nio.ByteBuffer data = java.nio.ByteBuffer.wrap(npy, 10 + (npy[8] & 0xff), 3 * 3 * 7 * 4).slice().order(java.nio.ByteOrder.LITTLE_ENDIAN);
        assertEquals(50, data.getInt((1 * 3 * 7 + 0 * 7 + 6) * 4), "save 1, accepted, run 6: 0.5 / 0.01 steps");
        assertEquals(50, data.getInt((2 * 3 * 7 + 2 * 7 + 0) * 4), "save 2, attempted, run 0");
    }

    @Test
    void gridCsvHoldsEveryRunsValuesInOrder() throws Exception {
        Path out = dir.resolve("grid");
        int n = 20000; // several blocks of rows
        assertEquals(0, run(lorenz.toString(), "--sweep", "rho=0:21:" + n, "--set", "sigma=9.5", "--duration", "0.001", "--out", out.toString())
                .exit());
        try (var parser = org.apache.commons.csv.CSVParser.parse(out.resolve("grid.csv"), java.nio.charset.StandardCharsets.UTF_8,
                org.apache.commons.csv.CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get())) {
            assertEquals(List.of("run", "x", "y", "z", "sigma", "rho"), parser.getHeaderNames());
            int r = 0;
            for (var rec : parser) {
                assertEquals(r, Integer.parseInt(rec.get("run")));
                assertEquals(9.5, Double.parseDouble(rec.get("sigma")));
                assertEquals(1.0, Double.parseDouble(rec.get("x")));
                assertEquals(0 + 21.0 * r / (n - 1), Double.parseDouble(rec.get("rho")), 1e-12, "run " + r);
                r++;
            }
            assertEquals(n, r);
        }
    }

    @Test
    void gridCsvOnlyUpToTheThresholdUnlessAskedButNpyColumnsAlways() throws Exception {
        int over = org.tornadobatch.io.ResultFolder.GRID_CSV_MAX_RUNS + 1;
        Path big = dir.resolve("grid-big");
        assertEquals(0, run(lorenz.toString(), "--sweep", "rho=0:21:" + over, "--duration", "0.001", "--out", big.toString()).exit());
        assertFalse(Files.exists(big.resolve("grid.csv")), "no CSV above the threshold");
        assertTrue(Files.size(big.resolve("grid/rho.npy")) == 128 + 8L * over, "grid/rho.npy: one float64 per run");
        Path forced = dir.resolve("grid-forced");
        assertEquals(0, run(lorenz.toString(), "--sweep", "rho=0:21:" + over, "--duration", "0.001", "--grid-csv", "--out", forced.toString()).exit());
        assertEquals(over + 1, Files.readAllLines(forced.resolve("grid.csv")).size(), "--grid-csv: a header and a row per run");
        Path none = dir.resolve("grid-none");
        assertEquals(0, run(lorenz.toString(), "--sweep", "rho=0:21:10", "--duration", "0.001", "--no-grid-csv", "--out", none.toString()).exit());
        assertFalse(Files.exists(none.resolve("grid.csv")), "--no-grid-csv");
        assertTrue(Files.exists(none.resolve("grid/rho.npy")) && Files.exists(none.resolve("run.npy")));
    }

    /** python3 with NumPy, or null when this machine has none. */
    private static String python() {
        try {
            Process p = new ProcessBuilder("python3", "-c", "import numpy").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0 ? "python3" : null;
        } catch (java.io.IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Runs {@code script} with the project's python/ folder on the path; its standard output (fails on a non-zero exit). */
    private static String python(String python, String script) throws Exception {
        Process p = new ProcessBuilder(python, "-c", "import sys; sys.path.insert(0, sys.argv[1])\n" + script,
                Path.of("..", "python").toAbsolutePath().normalize().toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    @Test
    void thePythonLoaderReadsAFolderIntoArraysAndADataset() throws Exception {
        String py = python();
        org.junit.jupiter.api.Assumptions.assumeTrue(py != null, "python3 with NumPy is not installed here");
        // x' = -k x from x0: x(t) = x0 exp(-k t), computed here for each (x0, k) pair of the grid.
        Path decay = Files.writeString(dir.resolve("decay.ode"), "states: x = 1.0\nparameters: k = 1.0, c = 0.0\ndx = -k * x + c\n");
        Path out = dir.resolve("py");
        assertEquals(0, run(decay.toString(), "--sweep", "k=0.5:2:4", "--sweep", "x=1:2:2", "--save-every", "0.5", "--atol", "1e-10",
                "--rtol", "1e-10", "--out", out.toString()).exit());
        String printed = python(py, """
                import json, tornado_batch
                r = tornado_batch.load(sys.argv[2], xarray=False)
                print(json.dumps({"state": r["state"].tolist(), "time": r["time"].tolist(), "k": r.grid["k"].tolist(),
                                  "x": r.grid["x"].tolist(), "run": r.run.tolist(), "vars": r.variables("state"),
                                  "status": r["status"].tolist(), "defaults": r.defaults, "grid": sorted(r.grid)}))
                """.replace("sys.argv[2]", "'" + out.toString().replace("\\", "/") + "'"));
        com.fasterxml.jackson.databind.JsonNode j = new com.fasterxml.jackson.databind.ObjectMapper().readTree(printed.lines().reduce((a, b) -> b).orElseThrow());
        assertEquals("[\"x\"]", j.get("vars").toString());
        assertEquals("{\"c\":0.0}", j.get("defaults").toString(), "c: no run was given a value");
        assertEquals("[\"k\",\"x\"]", j.get("grid").toString(), "a column per swept variable");
        assertEquals("[0.0,0.5,1.0]", j.get("time").toString());
        java.util.Set<String> pairs = new java.util.TreeSet<>();
        for (int r = 0; r < 8; r++) {
            assertEquals(r, j.get("run").get(r).asInt());
            assertEquals(0, j.get("status").get(r).asInt());
            double k = j.get("k").get(r).asDouble();
            double x0 = j.get("x").get(r).asDouble();
            pairs.add(x0 + "," + k);
            for (int s = 0; s < 3; s++) {
                assertEquals(x0 * Math.exp(-k * 0.5 * s), j.get("state").get(s).get(0).get(r).asDouble(), 1e-8, "run " + r + ", save " + s);
            }
        }
        java.util.Set<String> expected = new java.util.TreeSet<>();
        for (double x0 : new double[] {1, 2}) {
            for (double k : new double[] {0.5, 1, 1.5, 2}) {
                expected.add(x0 + "," + k);
            }
        }
        assertEquals(expected, pairs, "every (x0, k) of the combinatorial grid once");
        String xarray = python(py, "import importlib.util; print(importlib.util.find_spec('xarray') is not None)").strip();
        org.junit.jupiter.api.Assumptions.assumeTrue(xarray.endsWith("True"), "xarray is not installed here (the NumPy loader was checked)");
        String ds = python(py, """
                import numpy as np, tornado_batch
                ds = tornado_batch.load(sys.argv[2])
                final = ds["state"].sel(state_variable="x").isel(time=-1)
                print(float(np.max(np.abs(final - ds["x"] * np.exp(-ds["k"] * ds["time"][-1]) - ds["c"]))), ds.sizes["run"], ds.attrs["system"])
                """.replace("sys.argv[2]", "'" + out.toString().replace("\\", "/") + "'"));
        String[] f = ds.lines().reduce((a, b) -> b).orElseThrow().split(" ");
        assertTrue(Double.parseDouble(f[0]) < 1e-8, "the Dataset's final x against x0 exp(-k t) from its own coordinates: " + ds);
        assertEquals("8", f[1]);
        assertEquals("decay", f[2]);
    }

    @Test
    void tstopsLandTheStepsOnTheirTimes() throws Exception {
        // x' = max(t - a, 0), a = 1: rk4 in steps of 0.4 integrates each side of the kink exactly where a step lands on it
        // (x(2) = (2 - 1)^2 / 2); without the stop, its step [0.8, 1.2] is Simpson's rule across the kink, 0.4 / 6 * 0.2
        // for the exact 0.02.
        Path kink = Files.writeString(dir.resolve("kink.ode"), "states: x = 0\nparameters: a = 1\ndx = max(t - a, 0)\n");
        String[] common = {kink.toString(), "--algorithm", "rk4", "--dt", "0.4", "--duration", "2", "--no-save-start", "--backend", "jvm"};
        Path with = dir.resolve("tstops");
        Path without = dir.resolve("no-tstops");
        assertEquals(0, run(concat(common, "--tstops", "1", "--out", with.toString())).exit());
        assertEquals(0, run(concat(common, "--out", without.toString())).exit());
        assertEquals(0.5, npyData(with.resolve("state.npy")).getDouble(0), 1e-13);
        assertEquals(0.5 - 0.02 + 0.4 / 6 * 0.2, npyData(without.resolve("state.npy")).getDouble(0), 1e-13);
        com.fasterxml.jackson.databind.JsonNode time = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                with.resolve("run.json").toFile()).get("time");
        assertEquals("[1.0]", time.get("stops").toString(), "run.json records the stops");
        assertBadInput(run(concat(common, "--tstops", "1,2.5", "--out", dir.resolve("bad-tstops").toString())),
                "--tstops: 2.5 is outside the integration span (0.0, 2.0]");
        assertBadInput(run(concat(common, "--tstops", "0", "--out", dir.resolve("bad-tstops").toString())), "--tstops: 0.0 is outside");
        assertBadInput(run(concat(common, "--tstops", "soon", "--out", dir.resolve("bad-tstops").toString())), "--tstops");
        assertFalse(Files.exists(dir.resolve("bad-tstops")));
    }

    /** The data of a little-endian .npy file as a ByteBuffer (after its header). */
    private static java.nio.ByteBuffer npyData(Path file) throws java.io.IOException {
        byte[] npy = Files.readAllBytes(file);
        int start = 10 + (npy[8] & 0xff);
        return java.nio.ByteBuffer.wrap(npy, start, npy.length - start).slice().order(java.nio.ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void linearSolverChoosesKrylovOrLuWithTheSameResults() throws Exception {
        // A stiff chain of 34 cells: auto takes the Krylov solves (from 32 states), which factorise nothing; the states
        // agree with the LU solves' within the tolerance.
        int n = 34;
        StringBuilder src = new StringBuilder("states: ");
        for (int i = 0; i < n; i++) {
            src.append(i > 0 ? ", " : "").append("u").append(i).append(" = 0.5");
        }
        src.append("\nparameters: D = 300, k = 1\n");
        for (int i = 0; i < n; i++) {
            src.append("du").append(i).append(" = D * (").append(i == 0 ? "0" : "u" + (i - 1)).append(" - 2 * u").append(i).append(" + ")
                    .append(i == n - 1 ? "0" : "u" + (i + 1)).append(") - k * u").append(i).append(" * u").append(i).append(" + 1\n");
        }
        Path chain = Files.writeString(dir.resolve("chain.ode"), src.toString());
        String[] common = {chain.toString(), "--sweep", "k=0.5:2:6", "--algorithm", "kvaerno5", "--duration", "0.3", "--rtol", "1e-7",
            "--atol", "1e-9", "--backend", "jvm", "--outputs", "state,step_counts"};
        Path dense = dir.resolve("lu");
        Path krylov = dir.resolve("krylov");
        Path auto = dir.resolve("ls-auto");
        assertEquals(0, run(concat(common, "--linear-solver", "dense", "--out", dense.toString())).exit());
        assertEquals(0, run(concat(common, "--linear-solver", "krylov", "--out", krylov.toString())).exit());
        assertEquals(0, run(concat(common, "--out", auto.toString())).exit());
        java.nio.ByteBuffer luDense = npyData(dense.resolve("lu_factorisations.npy"));
        java.nio.ByteBuffer luKrylov = npyData(krylov.resolve("lu_factorisations.npy"));
        for (int r = 0; r < 6; r++) {
            assertTrue(luDense.getInt(4 * r) > 0, "dense: factorised");
            assertEquals(0, luKrylov.getInt(4 * r), "krylov: nothing factorised");
        }
        assertEquals(-1L, Files.mismatch(krylov.resolve("state.npy"), auto.resolve("state.npy")), "auto at 34 states: the Krylov solves");
        assertTrue(Files.readString(krylov.resolve("run.json")).replaceAll("\\s+", "").contains("\"linear_solver\":\"krylov\""), "run.json records it");
        assertTrue(Files.readString(dense.resolve("run.json")).replaceAll("\\s+", "").contains("\"linear_solver\":\"dense\""));
        java.nio.ByteBuffer a = npyData(dense.resolve("state.npy"));
        java.nio.ByteBuffer b = npyData(krylov.resolve("state.npy"));
        assertEquals(a.remaining(), b.remaining());
        for (int k = 0; k < a.remaining() / 8; k++) {
            double ref = a.getDouble(8 * k);
            assertEquals(ref, b.getDouble(8 * k), 1e-5 * (1e-2 + Math.abs(ref)), "value " + k);
        }
        assertBadInput(run(lorenz.toString(), "--linear-solver", "gmres", "--out", dir.resolve("ls1").toString()), "--linear-solver gmres (expected one of");
        assertBadInput(run(lorenz.toString(), "--algorithm", "radau", "--linear-solver", "krylov", "--out", dir.resolve("ls2").toString()),
                "--linear-solver krylov serves the SDIRK and ESDIRK methods");
        assertFalse(Files.exists(dir.resolve("ls2")), "no folder left by a refused option");
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void aSyntaxErrorNamesLineAndColumn() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.ode"), "states: x = 1\n\ndx = 2 * (x + \n");
        Run r = run(bad.toString(), "--out", dir.resolve("o1").toString());
        assertBadInput(r, "bad.ode:3:");
        assertFalse(Files.exists(dir.resolve("o1")));
    }

    @Test
    void anUnknownVariableInASweep() {
        assertBadInput(run(lorenz.toString(), "--sweep", "rh=0:1:3", "--out", dir.resolve("o2").toString()), "'rh' is not a state or parameter");
    }

    @Test
    void anUnknownAlgorithm() {
        assertBadInput(run(lorenz.toString(), "--algorithm", "rk99", "--out", dir.resolve("o3").toString()), "algorithm: rk99");
    }

    @Test
    void aNegativeDuration() {
        assertBadInput(run(lorenz.toString(), "--duration", "-1", "--out", dir.resolve("o4").toString()), "duration: -1.0");
    }

    @Test
    void zeroRuns() {
        assertBadInput(run(lorenz.toString(), "--sweep", "rho=0:1:0", "--out", dir.resolve("o5").toString()), "COUNT: 0");
    }

    @Test
    void anAdaptiveControllerOnEuler() {
        assertBadInput(run(lorenz.toString(), "--algorithm", "euler", "--controller", "pi", "--out", dir.resolve("o6").toString()),
                "needs an error estimate");
    }

    @Test
    void anOutputFolderThatIsAFile() throws Exception {
        Path file = Files.writeString(dir.resolve("afile"), "x");
        assertBadInput(run(lorenz.toString(), "--out", file.toString()), "is a file");
        assertEquals("x", Files.readString(file));
    }

    @Test
    void anExistingOutputFolderIsKeptUnlessOverwriteIsGiven() throws Exception {
        Path out = Files.createDirectories(dir.resolve("existing"));
        Files.writeString(out.resolve("keep.txt"), "mine");
        assertBadInput(run(lorenz.toString(), "--out", out.toString()), "already exists");
        assertTrue(Files.exists(out.resolve("keep.txt")));
        assertEquals(0, run(lorenz.toString(), "--overwrite", "--out", out.toString()).exit());
        assertFalse(Files.exists(out.resolve("keep.txt")));
        assertTrue(Files.exists(out.resolve("state.npy")));
    }

    @Test
    void aMissingSystemFile() {
        assertBadInput(run(dir.resolve("none.ode").toString(), "--out", dir.resolve("o7").toString()), "does not exist");
    }

    @Test
    void aDeviceThatIsNeitherAnIndexNorBackendColonDevice() {
        assertBadInput(run(lorenz.toString(), "--device", "gpu1", "--out", dir.resolve("d1").toString()),
                "--device: 'gpu1' (expected: a device index >= 0, or B:D for device D of TornadoVM backend B");
        assertBadInput(run(lorenz.toString(), "--device", "-1", "--out", dir.resolve("d2").toString()), "--device: '-1' (expected:");
        assertBadInput(run(lorenz.toString(), "--backend", "jvm", "--device", "1:0", "--out", dir.resolve("d3").toString()),
                "--device 1:0: B:D names a TornadoVM backend's device; with --backend jvm give a device index");
    }

    @Test
    void deviceListsThatCannotBe() {
        assertBadInput(run(lorenz.toString(), "--backend", "jvm", "--device", "0,1", "--out", dir.resolve("dl1").toString()),
                "--device 0,1: the jvm backend is one device (the host's cores)");
        assertBadInput(run(lorenz.toString(), "--backend", "jvm", "--device", "all", "--out", dir.resolve("dl2").toString()),
                "--device all: every device of the cuda backend (with --backend jvm");
        assertBadInput(run(lorenz.toString(), "--backend", "cuda", "--device", "0,jvm,jvm", "--out", dir.resolve("dl3").toString()),
                "jvm more than once");
        assertBadInput(run(lorenz.toString(), "--backend", "cuda", "--device", "jvm", "--out", dir.resolve("dl4").toString()),
                "--device jvm: the host's cores beside GPUs in a list");
        assertBadInput(run(lorenz.toString(), "--backend", "jvm", "--device", "0,x", "--out", dir.resolve("dl5").toString()),
                "--device 0,x: the jvm backend is one device");
        if (org.tornadobatch.device.DeviceRuntimes.discover().stream().noneMatch(f -> f.name().equals("cuda") && f.availability().available())) {
            assertBadInput(run(lorenz.toString(), "--backend", "cuda", "--device", "all", "--out", dir.resolve("dl6").toString()),
                    "--backend cuda --device all: ");
        }
        assertBadInput(run(lorenz.toString(), "--device", "0,1", "--out", dir.resolve("dl7").toString()),
                "--device 0,1: a list of devices names them on one backend");
        for (String d : List.of("dl1", "dl2", "dl3", "dl4", "dl5", "dl6", "dl7")) {
            assertFalse(Files.exists(dir.resolve(d)), d);
        }
    }

    @Test
    void aConstantCannotBeSwept() {
        assertBadInput(run(lorenz.toString(), "--sweep", "beta=1:2:3", "--out", dir.resolve("o8").toString()), "is a constant");
    }
}
