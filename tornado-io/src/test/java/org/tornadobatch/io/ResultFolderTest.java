package org.tornadobatch.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tornadobatch.solver.Batch;
import org.tornadobatch.solver.GridKind;
import org.tornadobatch.solver.SolveResult;
import org.tornadobatch.solver.Solver;
import org.tornadobatch.solver.TimeSpec;
import org.tornadobatch.system.OdeSystem;

/** Results folders written from Java, and batches read from CSV files. */
class ResultFolderTest {
    /** x' = -k x: x(t) = x0 exp(-k t), so the written final state can be checked against a formula. */
    private static final OdeSystem DECAY = OdeSystem.parse("""
            states: x = 1.0
            parameters: k = 1.0
            dx = -k * x
            """, "decay");

    @Test
    void writeGivesTheCommandLinesFolderWithTheResultsArrays(@TempDir Path dir) throws Exception {
        double[] ks = {0.5, 1, 2};
        Path out = dir.resolve("decay");
        String algorithm;
        try (Solver solver = Solver.builder(DECAY).build();
             SolveResult r = solver.solve(Batch.grid(DECAY, Map.of("k", ks), GridKind.COMBINATORIAL), TimeSpec.of(1))) {
            algorithm = r.info().algorithm();
            assertEquals(out, ResultFolder.write(r, out, false));
        }
        try (Stream<Path> files = Files.list(out)) {
            List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
            assertEquals(List.of("accepted_steps.npy", "grid", "grid.csv", "rejected_steps.npy", "run.json", "run.npy", "state.npy", "status.npy",
                    "time.npy"), names);
        }
        try (Stream<Path> files = Files.list(out.resolve("grid"))) {
            assertEquals(List.of("k.npy"), files.map(p -> p.getFileName().toString()).toList(), "a column per swept variable");
        }
        assertEquals(List.of(0.5, 1.0, 2.0), boxed(npyDoubles(out.resolve("grid/k.npy"), "(3,)")));
        assertEquals(1.0, new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.resolve("run.json").toFile()).get("grid").get("defaults")
                .get("x").asDouble(), "x: its default in every run");
        assertEquals(List.of(0, 1, 2), npyInts(out.resolve("run.npy"), "(3,)"));
        double[] state = npyDoubles(out.resolve("state.npy"), "(2, 1, 3)");
        for (int r = 0; r < ks.length; r++) {
            assertEquals(1.0, state[r], 0, "first sample: the initial value");
            assertEquals(Math.exp(-ks[r]), state[ks.length + r], 1e-6, "final sample of run " + r);
        }
        assertEquals("run,x,k\r\n0,1.0,0.5\r\n1,1.0,1.0\r\n2,1.0,2.0\r\n", Files.readString(out.resolve("grid.csv")), "every state and parameter");
        String json = Files.readString(out.resolve("run.json"));
        assertTrue(json.contains("\"file\" : null"), "no system file from Java: " + json);
        assertTrue(json.contains("\"algorithm\" : \"" + algorithm + "\""), json);
        assertTrue(json.contains("\"runs\" : 3"), json);
        try (Stream<Path> files = Files.list(dir)) {
            assertFalse(files.anyMatch(p -> p.getFileName().toString().contains(".partial-")), "no partial folder left");
        }
    }

    @Test
    void theGridIsCsvOnlyWhereAskedAndRunJsonListsEveryFileWritten(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("decay");
        try (Solver solver = Solver.builder(DECAY).build();
             SolveResult r = solver.solve(Batch.grid(DECAY, Map.of("k", new double[] {1, 2, 3, 4}), GridKind.COMBINATORIAL), TimeSpec.of(1))) {
            ResultFolder.check(out, false, ResultFolder.Wording.API);
            ResultFolder folder = ResultFolder.create(out, ResultFolder.Wording.API);
            Map<String, Object> record = RunRecord.of(r, null, Map.of("parse", 1.5));
            folder.writeResult(r, record, false);
            folder.commit(false);
        }
        assertFalse(Files.exists(out.resolve("grid.csv")), "no CSV where not asked");
        assertEquals(List.of(1.0, 2.0, 3.0, 4.0), boxed(npyDoubles(out.resolve("grid/k.npy"), "(4,)")));
        com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.resolve("run.json").toFile());
        assertTrue(json.get("grid").get("csv").isNull(), json.get("grid").toString());
        assertEquals("grid/k.npy", json.get("grid").get("columns").get("k").asText());
        assertEquals("run.npy", json.get("grid").get("index").asText());
        List<String> listed = new java.util.ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode f : json.get("files")) {
            Path p = out.resolve(f.get("file").asText());
            assertEquals(Files.size(p), f.get("bytes").asLong(), f.toString());
            listed.add(f.get("file").asText());
        }
        try (Stream<Path> files = Files.walk(out)) {
            assertEquals(files.filter(Files::isRegularFile).map(p -> out.relativize(p).toString()).filter(f -> !f.equals("run.json")).sorted().toList(),
                    listed, "every file but run.json itself");
        }
        com.fasterxml.jackson.databind.JsonNode phases = json.get("run").get("phases_ms");
        List<String> names = new java.util.ArrayList<>();
        phases.fieldNames().forEachRemaining(names::add);
        assertEquals(List.of("parse", "compile", "host_arrays", "plan", "gather", "host_to_device", "kernel", "device_to_host", "scatter", "chunks",
                "total", "write"), names);
        assertEquals(1.5, phases.get("parse").asDouble());
        assertTrue(phases.get("host_to_device").isNull(), "the jvm backend copies nothing of its own: " + phases);
        for (String p : List.of("compile", "kernel", "chunks", "total", "write")) {
            assertTrue(phases.get(p).asDouble() > 0, p + ": " + phases);
        }
        assertTrue(phases.get("kernel").asDouble() <= phases.get("chunks").asDouble() && phases.get("chunks").asDouble() <= phases.get("total").asDouble(),
                "the kernel within the chunk loop within the solve: " + phases);
    }

    @Test
    void aSolveIntoTheFoldersStoreWritesTheSameFilesAsWritingAfterwards(@TempDir Path dir) throws Exception {
        OdeSystem osc = OdeSystem.parse("""
                states: x = 1.0, v = 0.0
                parameters: w = 1.0
                observables: e
                e = v * v + w * w * x * x
                dx = v
                dv = -w * w * x
                """, "oscillator");
        Batch batch = Batch.grid(osc, Map.of("w", org.tornadobatch.solver.Sweep.linspace(0.5, 3, 1001)), GridKind.COMBINATORIAL);
        TimeSpec time = new TimeSpec(2, 0, 0, 0.25, 1, 0.125, true);
        org.tornadobatch.solver.output.OutputSpec outputs = org.tornadobatch.solver.output.OutputSpec.of(List.of("state", "observables", "step_counts",
                "mean", "max", "rms"));
        Path after = dir.resolve("after");
        Path stored = dir.resolve("stored");
        try (Solver solver = Solver.builder(osc).outputs(outputs).build()) {
            try (SolveResult r = solver.solve(batch, time)) {
                for (org.tornadobatch.solver.ResultArray a : r.arrays()) {
                    assertFalse(a.segment().isMapped(), a.name() + ": in memory without a store");
                }
                ResultFolder.write(r, after, false);
            }
            ResultFolder folder = ResultFolder.create(stored, ResultFolder.Wording.API);
            try (SolveResult r = solver.solve(batch, time, org.tornadobatch.solver.ProgressListener.NONE, folder.store())) {
                for (org.tornadobatch.solver.ResultArray a : r.arrays()) {
                    assertTrue(a.segment().isMapped(), a.name() + ": mapped onto its file");
                }
                folder.writeResult(r, RunRecord.of(r, null));
                folder.commit(false);
            }
        }
        for (String f : List.of("state.npy", "observables.npy", "state_summaries.npy", "observable_summaries.npy", "step_counts.npy", "status.npy",
                "grid/w.npy")) {
            assertTrue(java.util.Arrays.equals(Files.readAllBytes(after.resolve(f)), Files.readAllBytes(stored.resolve(f))), f + ": the same bytes");
        }
        assertEquals(128 + 9 * 2 * 1001 * 8, Files.size(stored.resolve("state.npy")), "header and data, nothing more");
    }

    @Test
    void theGridWrittenBesideTheSolveIsTheGridWrittenAfterIt(@TempDir Path dir) throws Exception {
        // x swept, k set (one value every run shares): run.npy, grid/x.npy, grid/k.npy and grid.csv the same bytes either way.
        Batch batch = Batch.grid(DECAY, Map.of("x", org.tornadobatch.solver.Sweep.linspace(0, 2, 3001), "k", new double[] {0.5}),
                GridKind.COMBINATORIAL);
        Path after = dir.resolve("after");
        Path ahead = dir.resolve("ahead");
        try (Solver solver = Solver.builder(DECAY).build()) {
            try (SolveResult r = solver.solve(batch, TimeSpec.of(1))) {
                ResultFolder f = ResultFolder.create(after, ResultFolder.Wording.API);
                f.writeResult(r, RunRecord.of(r, null), true);
                f.commit(false);
            }
            ResultFolder f = ResultFolder.create(ahead, ResultFolder.Wording.API);
            f.writeGridAhead(batch, true);
            assertThrows(IllegalStateException.class, () -> f.writeGridAhead(batch, true), "once per folder");
            try (SolveResult r = solver.solve(batch, TimeSpec.of(1))) {
                Map<String, Object> record = RunRecord.of(r, null);
                f.writeResult(r, record, true);
                f.commit(false);
                assertEquals(List.of("x", "k"), List.copyOf(((Map<?, ?>) ((Map<?, ?>) record.get("grid")).get("columns")).keySet()));
            }
            for (String name : List.of("run.npy", "grid/x.npy", "grid/k.npy", "grid.csv", "state.npy")) {
                assertTrue(java.util.Arrays.equals(Files.readAllBytes(after.resolve(name)), Files.readAllBytes(ahead.resolve(name))),
                        name + ": the same bytes");
            }
            // Abandoned (a failed solve): the grid's thread is waited for and its files go with the folder.
            Path failed = dir.resolve("failed");
            ResultFolder g = ResultFolder.create(failed, ResultFolder.Wording.API);
            g.writeGridAhead(batch, true);
            g.abandon();
            try (Stream<Path> left = Files.list(dir)) {
                assertEquals(List.of("after", "ahead"), left.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".lock")).sorted().toList());
            }
            // A result of another batch is refused rather than given the wrong grid.
            ResultFolder h = ResultFolder.create(dir.resolve("other"), ResultFolder.Wording.API);
            h.writeGridAhead(Batch.defaults(DECAY), false);
            try (SolveResult r = solver.solve(batch, TimeSpec.of(1))) {
                assertThrows(IllegalStateException.class, () -> h.writeResult(r, RunRecord.of(r, null), false));
            } finally {
                h.abandon();
            }
        }
    }

    private static List<Double> boxed(double[] v) {
        return java.util.Arrays.stream(v).boxed().toList();
    }

    /**
     * The grid's files of a batch whose columns hold no value per run (a described sweep and a list, combined), past
     * one 4 MB block of the writer: every run's value as the combination gives it, computed here.
     */
    @Test
    void theGridFilesOfSweptColumnsHoldEveryRunsValue(@TempDir Path dir) throws Exception {
        OdeSystem two = OdeSystem.parse("""
                states: x = 1.0
                parameters: k = 1.0, c = 0.0
                dx = -k * x + c
                """, "two");
        int nk = 1001;
        double[] c = {0.25, -1.5, 3.0};
        int runs = nk * c.length * 200; // 600,600 runs: 4.8 MB a column
        Batch b = Batch.grid(two, Map.of("c", c, "x", org.tornadobatch.solver.Sweep.linspace(1, 2, 200)),
                Map.of("k", new org.tornadobatch.solver.Sweep.Linspace(0.1, 2.1, nk)), GridKind.COMBINATORIAL);
        assertEquals(runs, b.runs());
        Path out = dir.resolve("grid");
        try (Solver solver = Solver.builder(two).build(); SolveResult res = solver.solve(b, TimeSpec.finalState(0.001))) {
            ResultFolder.write(res, out, false);
        }
        double[] k = org.tornadobatch.solver.Sweep.linspace(0.1, 2.1, nk);
        double[] x = org.tornadobatch.solver.Sweep.linspace(1, 2, 200);
        String shape = "(" + runs + ",)";
        double[] gotK = npyDoubles(out.resolve("grid/k.npy"), shape);
        double[] gotX = npyDoubles(out.resolve("grid/x.npy"), shape);
        double[] gotC = npyDoubles(out.resolve("grid/c.npy"), shape);
        List<Integer> index = npyInts(out.resolve("run.npy"), shape);
        int r = 0;
        for (double xv : x) { // declaration order: x (a state), then k, then c; the last fastest
            for (double kv : k) {
                for (double cv : c) {
                    assertEquals(xv, gotX[r], "x of run " + r);
                    assertEquals(kv, gotK[r], "k of run " + r);
                    assertEquals(cv, gotC[r], "c of run " + r);
                    assertEquals(r, index.get(r));
                    r++;
                }
            }
        }
    }

    @Test
    void theTimeOutputWritesEachRunsSampleTimes(@TempDir Path dir) throws Exception {
        // x' = k x^2 from 1 blows up at t = 1/k: the run with k = 2 fails at 0.5, the one with k = 0.5 finishes.
        OdeSystem blowup = OdeSystem.parse("states: x = 1.0\nparameters: k = 0.5\ndx = k * x * x\n", "blowup");
        Path out = dir.resolve("blowup");
        try (SolveResult r = Solver.solveIvp(blowup, Map.of("k", new double[] {0.5, 2}), 1,
                org.tornadobatch.solver.SolveOptions.defaults().outputs("state", "time").saveEvery(0.25))) {
            ResultFolder.write(r, out, false);
        }
        double[] t = npyDoubles(out.resolve("run_time.npy"), "(5, 2)");
        for (int s = 0; s < 5; s++) {
            assertEquals(0.25 * s, t[2 * s], 0, "run 0 at save " + s);
        }
        assertEquals(0.25, t[3], 0, "run 1 reached t = 0.25");
        assertTrue(Double.isNaN(t[7]) && Double.isNaN(t[9]), "run 1 never reached t = 0.75 or 1");
        String json = Files.readString(out.resolve("run.json"));
        assertTrue(json.contains("\"run_time\" : {"), json);
    }

    @Test
    void anExistingFolderIsReplacedOnlyWithOverwrite(@TempDir Path dir) throws Exception {
        Path out = Files.createDirectory(dir.resolve("taken"));
        Files.writeString(out.resolve("mine.txt"), "keep");
        try (Solver solver = Solver.builder(DECAY).build();
             SolveResult r = solver.solve(Batch.defaults(DECAY), TimeSpec.of(1))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ResultFolder.write(r, out, false));
            assertEquals("results folder: " + out + " already exists (remove it, choose another path, or write with overwrite = true)",
                    e.getMessage());
            assertEquals("keep", Files.readString(out.resolve("mine.txt")));
            ResultFolder.write(r, out, true);
        }
        assertFalse(Files.exists(out.resolve("mine.txt")));
        assertTrue(Files.exists(out.resolve("state.npy")));
    }

    @Test
    void csvInputsGiveOneRunPerRow(@TempDir Path dir) throws Exception {
        Path csv = Files.writeString(dir.resolve("runs.csv"), "k,x\n10,1\n20,2\n");
        Batch b = BatchCsv.read(DECAY, csv);
        assertEquals(2, b.runs());
        assertEquals(20, b.parameter(0, 1));
        assertEquals(2, b.state(0, 1));
        assertEquals(List.of("k", "x"), BatchCsv.columns(csv));
        Files.writeString(csv, "k,q\n1,2\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BatchCsv.read(DECAY, csv));
        assertTrue(e.getMessage().startsWith(csv + ": column 'q'"), e.getMessage());
        Files.writeString(csv, "k\n1\nx1\n");
        e = assertThrows(IllegalArgumentException.class, () -> BatchCsv.read(DECAY, csv));
        assertEquals(csv + ":3: column 'k': 'x1' (expected: a finite number)", e.getMessage());
    }

    /** The data of a little-endian int32 {@code .npy} file, after checking its shape. */
    static List<Integer> npyInts(Path file, String shape) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        int headerLength = (bytes[8] & 0xff) | (bytes[9] & 0xff) << 8;
        String header = new String(bytes, 10, headerLength, StandardCharsets.US_ASCII);
        assertTrue(header.contains("'descr': '<i4'") && header.contains("'shape': " + shape), header);
        ByteBuffer data = ByteBuffer.wrap(bytes, 10 + headerLength, bytes.length - 10 - headerLength).order(ByteOrder.LITTLE_ENDIAN);
        int[] v = new int[data.remaining() / Integer.BYTES];
        data.asIntBuffer().get(v);
        return java.util.Arrays.stream(v).boxed().toList();
    }

    /** The data of a little-endian float64 {@code .npy} file, after checking its shape. */
    static double[] npyDoubles(Path file, String shape) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        int headerLength = (bytes[8] & 0xff) | (bytes[9] & 0xff) << 8;
        String header = new String(bytes, 10, headerLength, StandardCharsets.US_ASCII);
        assertTrue(header.contains("'descr': '<f8'"), header);
        assertTrue(header.contains("'shape': " + shape), header);
        ByteBuffer data = ByteBuffer.wrap(bytes, 10 + headerLength, bytes.length - 10 - headerLength).order(ByteOrder.LITTLE_ENDIAN);
        double[] v = new double[data.remaining() / Double.BYTES];
        data.asDoubleBuffer().get(v);
        return v;
    }
}
