package org.tornadobatch.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.tornadobatch.cli.TornadoBatch;
import org.tornadobatch.device.DeviceBuffer;
import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.device.DeviceRuntimes;
import org.tornadobatch.device.DeviceStream;
import org.tornadobatch.device.HostBuffer;
import org.tornadobatch.device.HostMemoryKind;

/**
 * The user's path in one JVM: the command line's own work ({@code tornado-batch solve}, from the sweep to the results
 * folder) run in-process, so the JVM's start is left out and the JIT is warm from the second round. Two cases of the
 * Lorenz example, rho = linspace(0, 21, N):
 * <ul>
 *   <li>{@code final}: classical RK4, dt = 0.001 over [0, 1], the state at t = 1 (the end-to-end issue's command);</li>
 *   <li>{@code series}: dormand-prince-54 at atol = rtol = 1e-6, 51 samples (every 0.02 over [0, 1]).</li>
 * </ul>
 * Each solve prints one JSON line with its wall time, run.json's phases and the bounds it compares against: the
 * kernel (run.json), a bare device-to-host copy of the same bytes into pinned memory (measured here on the same
 * runtime; none on jvm), and writing the same bytes to a file beside the results (measured here, through the page
 * cache as the results are).
 *
 * <p>Arguments: {@code backend [log2 N values (20,24)] [cases (final,series)] [precisions (float64,float32)] [rounds (3)]
 * [memory proportions (-: the default), e.g. 0.02,0.005 to force chunks]}. The results go under
 * {@code -Dbench.dir} (default: the temporary directory), the system is {@code -Dbench.system} (default:
 * examples/lorenz.ode).
 */
public final class UserPathBench {
    private UserPathBench() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: UserPathBench BACKEND [LOG2_N,... (20,24)] [CASES (final,series)] [PRECISIONS (float64,float32)]"
                    + " [ROUNDS (3)] [MEM_PROPORTIONS (-)]");
            System.exit(2);
        }
        String backend = args[0];
        int[] log2 = Arrays.stream((args.length > 1 ? args[1] : "20,24").split(",")).mapToInt(Integer::parseInt).toArray();
        List<String> cases = List.of((args.length > 2 ? args[2] : "final,series").split(","));
        List<String> precisions = List.of((args.length > 3 ? args[3] : "float64,float32").split(","));
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 3;
        List<String> proportions = List.of((args.length > 5 ? args[5] : "-").split(","));
        // The command line's logging at WARN (its main does this from --quiet): the JSON lines alone on stdout.
        System.setProperty("logback.configurationFile", System.getProperty("logback.configurationFile", "org/tornadobatch/cli/logback-cli.xml"));
        System.setProperty("tornadobatch.log.level", System.getProperty("tornadobatch.log.level", "WARN"));
        Path system = Path.of(System.getProperty("bench.system", "examples/lorenz.ode"));
        Path dir = Files.createTempDirectory(Path.of(System.getProperty("bench.dir", System.getProperty("java.io.tmpdir"))), "userpath");
        Map<Long, double[]> bounds = new LinkedHashMap<>();
        try {
            for (String c : cases) {
                for (int l : log2) {
                    for (String p : precisions) {
                        for (String prop : proportions) {
                            for (int r = 0; r < rounds; r++) {
                                solve(backend, system, c, 1 << l, p, prop, r, dir, bounds);
                            }
                        }
                    }
                }
            }
        } finally {
            deleteTree(dir);
        }
    }

    private static void solve(String backend, Path system, String kase, int n, String precision, String proportion, int round, Path dir,
                              Map<Long, double[]> bounds) throws IOException {
        Path out = dir.resolve("res");
        List<String> a = new ArrayList<>(List.of("solve", system.toString(), "--sweep", "rho=0:21:" + n, "--backend", backend,
                "--precision", precision, "--out", out.toString(), "--overwrite", "--quiet"));
        switch (kase) {
            case "final" -> a.addAll(List.of("--algorithm", "rk4", "--dt", "0.001"));
            case "series" -> a.addAll(List.of("--algorithm", "dormand-prince-54", "--atol", "1e-6", "--rtol", "1e-6", "--save-every", "0.02"));
            default -> throw new IllegalArgumentException("case: " + kase + " (expected: final or series)");
        }
        if (!proportion.equals("-")) {
            a.addAll(List.of("--mem-proportion", proportion));
        }
        StringWriter err = new StringWriter();
        picocli.CommandLine cl = TornadoBatch.newCommandLine();
        cl.setErr(new PrintWriter(err, true));
        long t0 = System.nanoTime();
        int rc = cl.execute(a.toArray(String[]::new));
        double wallMs = (System.nanoTime() - t0) / 1e6;
        if (rc != 0) {
            throw new IllegalStateException("tornado-batch " + String.join(" ", a) + ": exit " + rc + ": " + err);
        }
        JsonNode record = new ObjectMapper().readTree(out.resolve("run.json").toFile());
        JsonNode run = record.get("run");
        long bytes = 0;
        long resultBytes = 0;
        for (JsonNode f : record.get("files")) {
            bytes += f.get("bytes").asLong();
            String name = f.get("file").asText();
            if (name.startsWith("state") || name.startsWith("observables")) {
                resultBytes += f.get("bytes").asLong();
            }
        }
        double[] b = bounds.get(bytes);
        if (b == null) {
            b = new double[] {diskWriteMs(dir, bytes), copyToHostMs(backend, bytes)};
            bounds.put(bytes, b);
        }
        StringBuilder phases = new StringBuilder();
        // startup counts from the JVM's start, which one process shares among all solves here: left out.
        run.get("phases_ms").properties().stream().filter(e -> !e.getKey().equals("startup")).forEach(e -> phases.append(phases.isEmpty() ? "" : ",").append('"').append(e.getKey())
                .append("\":").append(e.getValue().isNumber() ? String.format(Locale.ROOT, "%.1f", e.getValue().asDouble()) : "null"));
        System.out.printf(Locale.ROOT, "{\"bench\":\"user-path\",\"backend\":\"%s\",\"device\":\"%s\",\"case\":\"%s\",\"precision\":\"%s\","
                        + "\"runs\":%d,\"mem_proportion\":\"%s\",\"chunks\":%d,\"round\":%d,\"wall_ms\":%.1f,\"kernel_ms\":%.1f,\"total_ms\":%.1f,"
                        + "\"bytes_written\":%d,\"state_bytes\":%d,\"disk_write_ms\":%.1f,\"disk_mb_s\":%.0f,\"bare_copy_to_host_ms\":%s,"
                        + "\"phases_ms\":{%s},\"java\":\"%s\"}%n",
                backend, run.path("device").asText(""), kase, precision, n, proportion, run.get("chunks").asInt(), round, wallMs, run.get("kernel_ms").asDouble(),
                run.get("total_ms").asDouble(), bytes, resultBytes, b[0], bytes / 1e3 / b[0],
                Double.isNaN(b[1]) ? "null" : String.format(Locale.ROOT, "%.1f", b[1]), phases, Runtime.version());
    }

    /** Writing {@code bytes} to a new file in {@code dir} in 16 MiB blocks through the page cache, as the results are: best of two, in ms. */
    static double diskWriteMs(Path dir, long bytes) throws IOException {
        ByteBuffer block = ByteBuffer.allocateDirect(16 << 20);
        double best = Double.MAX_VALUE;
        for (int rep = 0; rep < 2; rep++) {
            Path f = dir.resolve("disk-speed.bin");
            long t0 = System.nanoTime();
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                for (long left = bytes; left > 0; left -= block.limit()) {
                    block.clear().limit((int) Math.min(block.capacity(), left));
                    while (block.hasRemaining()) {
                        ch.write(block);
                    }
                }
            }
            best = Math.min(best, (System.nanoTime() - t0) / 1e6);
            Files.delete(f);
        }
        return best;
    }

    /** A bare copy of {@code bytes} from device memory into pinned host memory on {@code backend} (best of three, in ms); NaN on jvm. */
    static double copyToHostMs(String backend, long bytes) {
        if (backend.equals("jvm") || backend.equals("auto")) {
            return Double.NaN;
        }
        try (DeviceRuntime rt = DeviceRuntimes.open(backend, 0)) {
            DeviceBuffer d = rt.allocate(bytes);
            HostBuffer h = rt.allocateHost(bytes, HostMemoryKind.PINNED);
            DeviceStream s = rt.newStream();
            try {
                MemorySegment target = h.segment();
                double best = Double.MAX_VALUE;
                for (int rep = 0; rep < 3; rep++) {
                    long t0 = System.nanoTime();
                    rt.copyToHost(d, 0, target, s);
                    s.synchronize();
                    best = Math.min(best, (System.nanoTime() - t0) / 1e6);
                }
                return best;
            } finally {
                s.close();
                h.close();
                rt.free(d);
            }
        } catch (RuntimeException e) {
            System.err.println("UserPathBench: no bare copy on " + backend + ": " + e);
            return Double.NaN;
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

}
