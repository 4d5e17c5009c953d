package org.tornadobatch.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzing of the system-file parser and the solve command's options (issue 15): random mutations of the examples
 * and of their options, run in this JVM as the launcher runs them. Every outcome must be exit 0 or 3 with a
 * complete results folder, or exit 2 with one line; never a trace, a hang (a minute per case) or a partial folder.
 *
 * <p>{@code -Dtornadobatch.fuzz.cases=N} (default 300; the {@code nightly} profile runs 5000) and
 * {@code -Dtornadobatch.fuzz.seed=S} (default fixed, so CI is repeatable; a failure prints its case and seed).
 */
class CliFuzzTest {
    @TempDir
    Path dir;

    private static final String[] TOKENS = {"(", ")", "+", "-", "*", "/", "^", "**", ",", "=", ":", "#", ".", "e", "E", "0", "1", "9",
            "x", "y", "z", "t", "pi", " ", "\n", "\t", "\u00a0", "\ufeff", "\0", "sin(", "ifelse(", "sqrt(", "exp(", "&&", "||", "<", ">=",
            "==", "!", "1e400", "1e-320", "NaN", "Infinity", "states:", "parameters:", "constants:", "observables:", "name:", "dx = ",
            "dq = 1", "q = x", "observables: q", "\u00e9", "\ud83d\ude00", "states: x = 1", "constants: c = 1/0", "((((((((((", "))))"};

    private static final String[][] OPTIONS = {
            {"--duration", "0.05", "0", "-1", "NaN", "1e400", "abc", ""},
            {"--t0", "0", "-5", "NaN", "1e308"},
            {"--warmup", "0", "0.01", "-1", "NaN"},
            {"--save-every", "0.01", "0.02", "0", "-0.1", "NaN", "1e-300", "10"},
            {"--summarise-every", "0.025", "0", "-1", "NaN", "1"},
            {"--sample-every", "0.005", "0", "NaN", "0.3"},
            {"--algorithm", "rk4", "tsit5", "dop853", "heun", "bogacki-shampine-32", "nope", ""},
            {"--controller", "fixed", "i", "pi", "pid", "gustafsson", "bad"},
            {"--dt", "0.001", "0", "-1", "NaN", "1e-12", "1"},
            {"--dt-min", "1e-6", "0", "-1", "1"},
            {"--dt-max", "0.1", "0", "1e-9"},
            {"--atol", "1e-6", "0", "-1", "NaN", "1e-6,1e-6", "1,2,3,4,5"},
            {"--rtol", "1e-6", "0", "NaN"},
            {"--outputs", "state", "state,time", "mean,max", "peaks[2]", "peaks[0]", "peaks[65]", "state,peaks[2],peaks[3]", "extrema,std,rms",
                    "observables", "nothing", ""},
            {"--save-variables", "x", "nope", "", "x,x"},
            {"--summarise-variables", "x", "nope"},
            {"--precision", "float32", "float64", "float16"},
            {"--block-size", "1", "32", "0", "-3", "1025", "x"},
            {"--threads", "1", "0", "-1"},
            {"--mem-proportion", "0.5", "0", "1.5", "-1", "NaN"},
            {"--allocator", "default", "pooled", "async", "bad"},
            {"--grid", "combinatorial", "verbatim", "diagonal"},
            {"--plot-runs", "1", "0", "-1"},
            {"--max-steps", "10", "0", "-5"}};

    @Test
    void mutatedSystemsAndOptionsGiveAResultOrOneLine() throws Exception {
        int cases = Integer.getInteger("tornadobatch.fuzz.cases", 300);
        long seed = Long.getLong("tornadobatch.fuzz.seed", 20261204L);
        Random rnd = new Random(seed);
        List<String> seeds = new ArrayList<>();
        for (String e : List.of("lorenz.ode", "vanderpol.ode", "pendulum.ode")) {
            seeds.add(Files.readString(Scripts.root().resolve("examples").resolve(e)));
        }
        int[] outcomes = new int[4];
        ExecutorService one = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(null, r, "fuzz-case", 16L << 20);
            t.setDaemon(true);
            return t;
        });
        try {
            for (int c = 0; c < cases; c++) {
                String text = seeds.get(rnd.nextInt(seeds.size()));
                boolean mutateFile = rnd.nextInt(3) > 0;
                if (mutateFile) {
                    text = mutate(text, rnd);
                }
                Path file = dir.resolve("case" + c + ".ode");
                Files.write(file, text.getBytes(StandardCharsets.UTF_8));
                Path out = dir.resolve("out" + c);
                List<String> args = new ArrayList<>(List.of("solve", "--quiet", file.toString(), "--out", out.toString(), "--max-steps", "20000",
                        "--duration", "0.05"));
                args.addAll(options(rnd, text, mutateFile ? 1 : 4));
                String what = "case " + c + " (seed " + seed + "): " + args + "\n--- file\n" + text;
                Future<Cli.Run> f = one.submit(() -> Cli.run(args));
                Cli.Run r;
                try {
                    r = f.get(60, TimeUnit.SECONDS);
                } catch (TimeoutException e) {
                    f.cancel(true);
                    fail("no answer within 60 s: " + what);
                    return;
                }
                switch (r.exit()) {
                    case 0, 3 -> {
                        assertTrue(Files.isRegularFile(out.resolve("run.json")) && Files.isRegularFile(out.resolve("status.npy")),
                                "a complete folder after exit " + r.exit() + ": " + what);
                        assertEquals("", r.err(), what);
                    }
                    case 2 -> assertTrue(Cli.isOneLineRefusal(r), r + what);
                    default -> fail(r + what);
                }
                outcomes[r.exit()]++;
                try (var s = Files.list(dir)) {
                    List<Path> partial = s.filter(p -> p.getFileName().toString().contains(".partial-")).toList();
                    assertEquals(List.of(), partial, what);
                }
            }
        } finally {
            one.shutdownNow();
        }
        System.out.printf("fuzz: %d cases (seed %d): %d solved, %d with failed runs, %d refused%n", cases, seed, outcomes[0], outcomes[3], outcomes[2]);
        assertTrue(outcomes[0] > cases / 20, "some cases must solve, or the fuzzing tests nothing but refusals");
        assertTrue(outcomes[2] > cases / 20, "some cases must be refused");
    }

    private static String mutate(String text, Random rnd) {
        StringBuilder s = new StringBuilder(text);
        int edits = 1 + rnd.nextInt(3);
        for (int e = 0; e < edits; e++) {
            int at = s.isEmpty() ? 0 : rnd.nextInt(s.length());
            switch (rnd.nextInt(6)) {
                case 0 -> {
                    if (!s.isEmpty()) {
                        s.deleteCharAt(at);
                    }
                }
                case 1, 2 -> s.insert(at, TOKENS[rnd.nextInt(TOKENS.length)]);
                case 3 -> { // drop a line
                    List<String> lines = new ArrayList<>(List.of(s.toString().split("\n", -1)));
                    lines.remove(rnd.nextInt(lines.size()));
                    s.setLength(0);
                    s.append(String.join("\n", lines));
                }
                case 4 -> { // duplicate a line
                    List<String> lines = new ArrayList<>(List.of(s.toString().split("\n", -1)));
                    lines.add(rnd.nextInt(lines.size()), lines.get(rnd.nextInt(lines.size())));
                    s.setLength(0);
                    s.append(String.join("\n", lines));
                }
                default -> { // replace a number
                    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\d+(\\.\\d+)?").matcher(s);
                    List<int[]> spans = new ArrayList<>();
                    while (m.find()) {
                        spans.add(new int[] {m.start(), m.end()});
                    }
                    if (!spans.isEmpty()) {
                        int[] sp = spans.get(rnd.nextInt(spans.size()));
                        String[] numbers = {"0", "-0", "1e400", "1e-320", "2", "1000", "0.5", "1e30", "3/0"};
                        s.replace(sp[0], sp[1], numbers[rnd.nextInt(numbers.length)]);
                    }
                }
            }
        }
        return s.toString();
    }

    /** Up to {@code most} random options, and now and then a --set or --sweep of a name the file may or may not have. */
    private static List<String> options(Random rnd, String text, int most) {
        List<String> out = new ArrayList<>();
        int n = rnd.nextInt(most + 1);
        for (int i = 0; i < n; i++) {
            String[] o = OPTIONS[rnd.nextInt(OPTIONS.length)];
            out.add(o[0]);
            out.add(o[1 + rnd.nextInt(o.length - 1)]);
        }
        String[] names = {"x", "y", "z", "rho", "beta", "sigma", "mu", "theta", "drive", "g_over_l", "nope", ""};
        String[] values = {"1", "0", "-2.5", "NaN", "1e400", "abc", "", "0:1:3", "1:2:0", "0:1:-1", "0:1:1", "5:5:2", "a:b:c", "0:1:1e9"};
        if (rnd.nextInt(3) == 0) {
            out.add("--set");
            out.add(names[rnd.nextInt(names.length)] + "=" + values[rnd.nextInt(7)]);
        }
        if (rnd.nextInt(3) == 0) {
            out.add("--sweep");
            out.add(names[rnd.nextInt(names.length)] + "=" + values[7 + rnd.nextInt(values.length - 7)]);
        }
        if (rnd.nextInt(4) == 0) {
            out.add("--sweep");
            out.add(names[rnd.nextInt(names.length)] + "=" + values[7 + rnd.nextInt(values.length - 7)]);
        }
        return out;
    }
}
