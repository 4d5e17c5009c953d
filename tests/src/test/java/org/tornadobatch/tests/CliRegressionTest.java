package org.tornadobatch.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regressions of issue 15 at the command line, run in this JVM as the launcher runs it; each failed on 03a84e2.
 * Expected values come from separate computations (a hand-written RK4, the same constant written in the file,
 * itertools-style products), never from the code path under test.
 */
class CliRegressionTest {
    @TempDir
    Path dir;

    static Path example(String name) {
        return Scripts.root().resolve("examples").resolve(name);
    }

    private Cli.Run solve(String... args) {
        List<String> a = new ArrayList<>(List.of("solve", "--quiet"));
        a.addAll(List.of(args));
        return Cli.run(a);
    }

    private static double[] last(Path out, int states) throws Exception {
        double[] all = Npy.doubles(out.resolve("state.npy"));
        double[] y = new double[states];
        System.arraycopy(all, all.length - states, y, 0, states); // one run: the last sample's states
        return y;
    }

    /** Classical RK4 of Lorenz written out by hand. */
    static double[] lorenzRk4(double sigma, double rho, double beta, double dt, int steps) {
        double[] y = {1, 0, 0};
        for (int n = 0; n < steps; n++) {
            double[] k1 = f(sigma, rho, beta, y);
            double[] k2 = f(sigma, rho, beta, axpy(y, k1, dt / 2));
            double[] k3 = f(sigma, rho, beta, axpy(y, k2, dt / 2));
            double[] k4 = f(sigma, rho, beta, axpy(y, k3, dt));
            for (int i = 0; i < 3; i++) {
                y[i] += dt / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
            }
        }
        return y;
    }

    private static double[] f(double s, double r, double b, double[] y) {
        return new double[] {s * (y[1] - y[0]), y[0] * (r - y[2]) - y[1], y[0] * y[1] - b * y[2]};
    }

    private static double[] axpy(double[] y, double[] k, double h) {
        return new double[] {y[0] + h * k[0], y[1] + h * k[1], y[2] + h * k[2]};
    }

    @Test
    void setOnAConstantChangesTheResultAsAnIndependentRk4Says() throws Exception {
        Path out = dir.resolve("beta1");
        Cli.Run r = solve(example("lorenz.ode").toString(), "--set", "beta=1", "--algorithm", "rk4", "--dt", "0.001", "--out", out.toString());
        assertEquals(0, r.exit(), r::toString);
        double[] got = last(out, 3);
        double[] want = lorenzRk4(10, 28, 1, 1e-3, 1000);
        for (int i = 0; i < 3; i++) {
            assertEquals(want[i], got[i], 1e-9 * Math.abs(want[i]), "state " + i);
        }
        assertEquals(1.0745, got[0], 1e-4, "the issue's independent value");
        assertTrue(Files.readString(out.resolve("run.json")).contains("\"beta\" : 1.0"));
    }

    @Test
    void setOnAConstantEqualsTheConstantWrittenInTheFile() throws Exception {
        Path file = dir.resolve("pendulum50.ode");
        String text = Files.readString(example("pendulum.ode"));
        Files.writeString(file, text.replace("g_over_l = 1.0", "g_over_l = 50"));
        String[] common = {"--duration", "5", "--save-every", "0.5", "--outputs", "state,observables"};
        Path set = dir.resolve("set");
        Path written = dir.resolve("written");
        Path base = dir.resolve("base");
        assertEquals(0, solve(concat(common, example("pendulum.ode").toString(), "--set", "g_over_l=50", "--out", set.toString())).exit());
        assertEquals(0, solve(concat(common, file.toString(), "--out", written.toString())).exit());
        assertEquals(0, solve(concat(common, example("pendulum.ode").toString(), "--out", base.toString())).exit());
        for (String a : List.of("state.npy", "observables.npy")) {
            assertTrue(java.util.Arrays.equals(Files.readAllBytes(written.resolve(a)), Files.readAllBytes(set.resolve(a))), a + " bit for bit");
        }
        assertNotEquals(Npy.doubles(base.resolve("state.npy"))[10], Npy.doubles(set.resolve("state.npy"))[10]);
    }

    private static String[] concat(String[] a, String... b) {
        List<String> l = new ArrayList<>(List.of(a));
        l.addAll(List.of(b));
        return l.toArray(String[]::new);
    }

    @Test
    void sweepsCombineInTheSystemsDeclarationOrderWhateverTheOptionOrder() throws Exception {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        String[] opts = {"--duration", "0.01", "--algorithm", "rk4"};
        assertEquals(0, solve(concat(opts, example("lorenz.ode").toString(), "--sweep", "rho=1:2:2", "--sweep", "x=5:7:3", "--out", a.toString())).exit());
        assertEquals(0, solve(concat(opts, example("lorenz.ode").toString(), "--sweep", "x=5:7:3", "--sweep", "rho=1:2:2", "--out", b.toString())).exit());
        List<String> expected = new ArrayList<>(List.of("run,x,y,z,sigma,rho"));
        int run = 0;
        for (double x : new double[] {5, 6, 7}) {
            for (double rho : new double[] {1, 2}) {
                expected.add(run++ + "," + x + ",0.0,0.0,10.0," + rho);
            }
        }
        assertEquals(expected, Files.readAllLines(a.resolve("grid.csv")));
        assertEquals(expected, Files.readAllLines(b.resolve("grid.csv")));
    }

    @Test
    void eachBadOrConflictingInputIsOneLineAndExit2() throws Exception {
        Path csvMore = Files.writeString(dir.resolve("more.csv"), "x,y,z,rho\n1,2,3,4\n\n# a comment\n1,2,3,4,5\n");
        Path csvNaN = Files.writeString(dir.resolve("nan.csv"), "x,rho\n1,2\n1,NaN\n");
        Path csvX = Files.writeString(dir.resolve("x.csv"), "x\n1\n");
        Path inf = Files.writeString(dir.resolve("inf.ode"), "states: x = 1\nconstants: c = 1/0\ndx = -c*x\n");
        Path big = Files.writeString(dir.resolve("big.ode"), "states: x = 1\ndx = -x*1e400\n");
        Path empty = Files.writeString(dir.resolve("empty.ode"), "");
        Path binary = Files.write(dir.resolve("binary.ode"), new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, 2});
        Path regular = Files.writeString(dir.resolve("regular"), "x");
        String lorenz = example("lorenz.ode").toString();
        String out = dir.resolve("never").toString();
        List<List<String>> cases = List.of(
                List.of(lorenz, "--outputs", "state,peaks[2],peaks[3]", "--out", out),
                List.of(lorenz, "--outputs", "state,peaks[1000]", "--out", out),
                List.of(lorenz, "--outputs", "state,peaks[1000000000]", "--out", out),
                List.of(lorenz, "--algorithm", "rk4", "--atol", "1e-8", "--out", out),
                List.of(lorenz, "--set", "beta=NaN", "--out", out),
                List.of(lorenz, "--set", "rho=Infinity", "--out", out),
                List.of(lorenz, "--set", "rho=1e400", "--out", out),
                List.of(lorenz, "--sweep", "rho=0:NaN:3", "--out", out),
                List.of(lorenz, "--sweep", "rho=0:1:3", "--sweep", "rho=0:2:3", "--out", out),
                List.of(lorenz, "--set", "rho=1", "--sweep", "rho=0:2:3", "--out", out),
                List.of(lorenz, "--set", "rho=1", "--set", "rho=2", "--out", out),
                List.of(lorenz, "--sweep", "beta=0:2:3", "--out", out),
                List.of(lorenz, "--inputs", csvMore.toString(), "--out", out),
                List.of(lorenz, "--inputs", csvNaN.toString(), "--out", out),
                List.of(lorenz, "--inputs", csvX.toString(), "--set", "x=2", "--out", out),
                List.of(lorenz, "--block-size", "0", "--out", out),
                List.of(lorenz, "--threads", "2", "--backend", "cuda", "--out", out),
                List.of(lorenz, "--backend", "jvm", "--device", "3", "--out", out),
                List.of(inf.toString(), "--out", out),
                List.of(big.toString(), "--out", out),
                List.of(empty.toString(), "--out", out),
                List.of(binary.toString(), "--out", out),
                List.of(dir.toString(), "--out", out),
                List.of(lorenz, "--out", ""),
                List.of(lorenz, "--out", regular.resolve("under").toString()),
                List.of(lorenz, "--out", "/proc/tornado-batch-test"),
                List.of(lorenz, "--plot", dir.resolve("no-such-folder/p.png").toString(), "--out", out),
                List.of(lorenz, "--plot-runs", "0", "--plot", dir.resolve("p.png").toString(), "--out", out),
                List.of(lorenz, "--plot-variables", "nope", "--plot", dir.resolve("p.png").toString(), "--out", out),
                List.of(lorenz, "--outputs", "mean", "--plot", dir.resolve("p.png").toString(), "--out", out),
                List.of(lorenz, "--sweep", "rho=0:1:1000000", "--save-every", "0.00001", "--out", out),
                List.of(lorenz, "--save-every", "1e-300", "--out", out),
                List.of(lorenz, "--sweep", "rho=0:1:2147483000", "--out", out));
        for (List<String> c : cases) {
            Cli.Run r = solve(c.toArray(String[]::new));
            assertTrue(Cli.isOneLineRefusal(r), c + " -> " + r);
            assertFalse(Files.exists(Path.of(out)), c + " wrote no results");
        }
        assertTrue(solve(lorenz, "--inputs", csvMore.toString(), "--out", out).err().contains("more.csv:5: 5 cells"), "the file's line");
        assertTrue(solve(lorenz, "--inputs", csvNaN.toString(), "--out", out).err().contains("nan.csv:3:"), "the file's line");
        assertTrue(solve(empty.toString(), "--out", out).err().contains("the system is empty"));
        assertTrue(solve(lorenz, "--out", "/proc/tornado-batch-test").err().contains("--out"));
        assertFalse(solve(lorenz, "--out", "/proc/tornado-batch-test").err().contains(".partial-"), "the user's path, not the hidden one");
        try (var s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".never.partial-")), "no partial folder left");
        }
    }

    @Test
    void aByteOrderMarkIsNotPartOfTheFile() throws Exception {
        byte[] text = Files.readAllBytes(example("lorenz.ode"));
        byte[] bom = new byte[text.length + 3];
        bom[0] = (byte) 0xef;
        bom[1] = (byte) 0xbb;
        bom[2] = (byte) 0xbf;
        System.arraycopy(text, 0, bom, 3, text.length);
        Path file = Files.write(dir.resolve("bom.ode"), bom);
        Cli.Run r = solve(file.toString(), "--duration", "0.01", "--out", dir.resolve("bom").toString());
        assertEquals(0, r.exit(), r::toString);
        Path bad = Files.write(dir.resolve("bombad.ode"), ("\ufeffstates: x = 1\ndx = -q\n").getBytes(StandardCharsets.UTF_8));
        Cli.Run e = solve(bad.toString(), "--out", dir.resolve("never").toString());
        assertTrue(Cli.isOneLineRefusal(e), e::toString);
        assertFalse(e.err().contains("\ufeff"), e::toString);
        assertTrue(e.err().contains("bombad.ode:2:7: unknown symbol 'q'"), e::toString);
    }

    @Test
    void aSolveWhoseRunsFailExits3AndStillWritesItsResults() throws Exception {
        Path blow = Files.writeString(dir.resolve("blow.ode"), "states: x = 1\nparameters: k = 1\ndx = k*x^2\n");
        Path out = dir.resolve("blow");
        Cli.Run r = solve(blow.toString(), "--sweep", "k=-1:1:2", "--duration", "3", "--out", out.toString());
        assertEquals(3, r.exit(), r::toString);
        int[] status = Npy.ints(out.resolve("status.npy"));
        assertEquals(0, status[0], "k = -1 decays");
        assertNotEquals(0, status[1], "k = 1 blows up at t = 1");
        Path ok = dir.resolve("ok");
        assertEquals(0, solve(blow.toString(), "--set", "k=-1", "--duration", "3", "--out", ok.toString()).exit());
    }

    @Test
    void nanOnFailureBlanksTheFailedRunsOnly() throws Exception {
        Path blow = Files.writeString(dir.resolve("blow2.ode"), "states: x = 1\nparameters: k = 1\ndx = k*x^2\n");
        for (boolean nan : new boolean[] {false, true}) {
            Path out = dir.resolve("blow-nan-" + nan);
            List<String> args = new java.util.ArrayList<>(List.of(blow.toString(), "--sweep", "k=-1:1:2", "--duration", "3", "--save-every",
                    "1", "--out", out.toString()));
            if (nan) {
                args.add("--nan-on-failure");
            }
            assertEquals(3, solve(args.toArray(String[]::new)).exit());
            double[] x = Npy.doubles(out.resolve("state.npy")); // (4 samples, 1 state, 2 runs)
            for (int i = 0; i < 4; i++) {
                assertEquals(1.0 / (1 + i), x[2 * i], 1e-5, "k = -1: x = 1/(1 + t) at t = " + i);
            }
            assertEquals(nan, Double.isNaN(x[1]), "k = 1 fails (blows up at t = 1); its first sample with --nan-on-failure " + nan);
            assertEquals(1, x[0], "the run that succeeded keeps its values");
        }
    }

    /** dx = u: x(T) is the integral of the driver's interpolant, here a sum of trapezoids computed by hand. */
    private static final String DRIVEN = "states: x = 0\ndrivers: u\ndx = u\n";
    private static final double[] U = {0, 1, 4, 2, 3};

    /** A 1-D float64 .npy file as numpy.save writes it. */
    private static Path npy(Path file, double[] v) throws Exception {
        return npy(file, v, "(" + v.length + ",)");
    }

    /** A 2-D float64 .npy file (C order) of {@code rows}, as numpy.save writes it. */
    private static Path npy(Path file, double[][] rows) throws Exception {
        double[] v = java.util.Arrays.stream(rows).flatMapToDouble(java.util.Arrays::stream).toArray();
        return npy(file, v, "(" + rows.length + ", " + rows[0].length + ")");
    }

    private static Path npy(Path file, double[] v, String shape) throws Exception {
        String header = "{'descr': '<f8', 'fortran_order': False, 'shape': " + shape + ", }";
        header = header + " ".repeat(63 - (10 + header.length()) % 64) + "\n";
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(10 + header.length() + 8 * v.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0).putShort((short) header.length());
        b.put(header.getBytes(StandardCharsets.US_ASCII));
        for (double x : v) {
            b.putDouble(x);
        }
        return Files.write(file, b.array());
    }

    @Test
    void driversFromACsvFileAreInterpolatedAndHeldBeyondTheirSamples() throws Exception {
        Path driven = Files.writeString(dir.resolve("driven.ode"), DRIVEN);
        StringBuilder csv = new StringBuilder("t,u\n");
        for (int k = 0; k < U.length; k++) {
            csv.append(0.5 + 0.25 * k).append(',').append(U[k]).append('\n');
        }
        Path samples = Files.writeString(dir.resolve("u.csv"), csv);
        Path out = dir.resolve("csv");
        // Samples at 0.5, 0.75, ..., 1.5: u is held at 0 before them and at 3 after; rk4 steps of 1/16 meet every sample time.
        Cli.Run r = solve(driven.toString(), "--drivers", samples.toString(), "--algorithm", "rk4", "--dt", "0.0625",
                "--duration", "2", "--out", out.toString());
        assertEquals(0, r.exit(), r::toString);
        double trapezoids = 0;
        for (int k = 1; k < U.length; k++) {
            trapezoids += 0.25 * (U[k - 1] + U[k]) / 2;
        }
        assertEquals(0.5 * U[0] + trapezoids + 0.5 * U[U.length - 1], last(out, 1)[0], 1e-12);
        assertTrue(Files.readString(out.resolve("run.json")).contains("\"drivers\" : [ \"u\" ]"));
    }

    @Test
    void driversFromNpyFilesWrapAsOnePeriod() throws Exception {
        Path driven = Files.writeString(dir.resolve("driven.ode"), DRIVEN);
        Path u = npy(dir.resolve("u.npy"), U);
        Path out = dir.resolve("npy");
        // Wrapped, the samples are one period of 5 * 0.25: the last piece joins u = 3 at t = 1 to u = 0 at t = 1.25.
        Cli.Run r = solve(driven.toString(), "--driver", "u=" + u, "--driver-dt", "0.25", "--driver-ends", "wrap",
                "--algorithm", "rk4", "--dt", "0.0625", "--duration", "2.5", "--out", out.toString());
        assertEquals(0, r.exit(), r::toString);
        double period = 0;
        for (int k = 1; k <= U.length; k++) {
            period += 0.25 * (U[k - 1] + U[k % U.length]) / 2;
        }
        assertEquals(2 * period, last(out, 1)[0], 1e-12);
    }

    @Test
    void driversPerRunFromA2dNpyFileGiveEachRunItsOwnInput() throws Exception {
        Path driven = Files.writeString(dir.resolve("driven.ode"), DRIVEN);
        double[][] rows = new double[3][U.length]; // run r: U scaled by r + 1, minus r
        for (int r = 0; r < 3; r++) {
            for (int k = 0; k < U.length; k++) {
                rows[r][k] = U[k] * (r + 1) - r;
            }
        }
        Path u = npy(dir.resolve("runs.npy"), rows);
        Path out = dir.resolve("per-run");
        // Three runs, x0 = 0, 1, 2; samples at 0, 0.25, ..., 1, held after; rk4 steps of 1/16 meet every sample time.
        Cli.Run r = solve(driven.toString(), "--sweep", "x=0:2:3", "--driver", "u=" + u, "--driver-dt", "0.25",
                "--algorithm", "rk4", "--dt", "0.0625", "--duration", "1.5", "--out", out.toString());
        assertEquals(0, r.exit(), r::toString);
        double[] x = Npy.doubles(out.resolve("state.npy")); // (saves, 1 state, 3 runs)
        for (int run = 0; run < 3; run++) {
            double integral = 0;
            for (int k = 1; k < U.length; k++) {
                integral += 0.25 * (rows[run][k - 1] + rows[run][k]) / 2;
            }
            integral += 0.5 * rows[run][U.length - 1];
            assertEquals(run + integral, x[x.length - 3 + run], 1e-12, "run " + run);
        }
        Path two = npy(dir.resolve("two.npy"), new double[][] {rows[0], rows[1]});
        Cli.Run refused = solve(driven.toString(), "--sweep", "x=0:2:3", "--driver", "u=" + two, "--driver-dt", "0.25",
                "--out", dir.resolve("refused").toString());
        assertTrue(Cli.isOneLineRefusal(refused) && refused.err().contains("drivers: samples for 2 runs, the batch has 3"), refused::toString);
        assertFalse(Files.exists(dir.resolve("refused")));
    }

    @Test
    void driverMistakesAreRefusedInOneLine() throws Exception {
        Path driven = Files.writeString(dir.resolve("driven.ode"), DRIVEN);
        Path u = npy(dir.resolve("u.npy"), U);
        Path uneven = Files.writeString(dir.resolve("uneven.csv"), "t,u\n0,1\n0.25,2\n0.6,3\n");
        Path other = Files.writeString(dir.resolve("v.csv"), "t,v\n0,1\n1,2\n");
        Path even = Files.writeString(dir.resolve("even.csv"), "t,u\n0,1\n1,2\n2,0\n");
        String[][] cases = {
                {"declares the drivers [u] (expected: their samples"},
                {"--driver-dt: missing", "--driver", "u=" + u},
                {"t[2] = 0.6 after 0.25", "--drivers", uneven.toString()},
                {"no samples for [u], and [v] not a driver", "--drivers", other.toString()},
                {"--driver-interpolation: quadratic", "--driver", "u=" + u, "--driver-dt", "1", "--driver-interpolation", "quadratic"},
                {"declares no drivers", "--driver", "u=" + u, "--driver-dt", "1", "--system-is-lorenz"},
                {"driver u: its time derivative is not available", "--drivers", even.toString(), "--algorithm", "ros3p"},
        };
        for (String[] c : cases) {
            List<String> args = new ArrayList<>(List.of(c).subList(1, c.length));
            boolean lorenz = args.remove("--system-is-lorenz");
            args.add(0, lorenz ? example("lorenz.ode").toString() : driven.toString());
            args.addAll(List.of("--out", dir.resolve("refused").toString()));
            Cli.Run r = solve(args.toArray(String[]::new));
            assertTrue(Cli.isOneLineRefusal(r) && r.err().contains(c[0]), () -> c[0] + ": " + r);
            assertFalse(Files.exists(dir.resolve("refused")));
        }
    }

    @Test
    void theStiffExampleSolvesWithRos3pToThePublishedValues() throws Exception {
        Path out = dir.resolve("robertson");
        Cli.Run r = solve(example("robertson.ode").toString(), "--algorithm", "ros3p", "--duration", "40", "--atol", "1e-10", "--rtol", "1e-6",
                "--out", out.toString());
        assertEquals(0, r.exit(), r::toString);
        // Hairer and Wanner, Solving ODEs II: Robertson's problem at t = 40.
        double[] expected = {0.7158270687193, 9.185534764557e-6, 0.2841637457458};
        double[] y = last(out, 3);
        for (int i = 0; i < 3; i++) {
            assertEquals(expected[i], y[i], 1e-4 * expected[i], "y" + (i + 1));
        }
    }

    @Test
    void runJsonWritesNullForUnsetTimesAndListsEveryArray() throws Exception {
        Path out = dir.resolve("json");
        assertEquals(0, solve(example("lorenz.ode").toString(), "--duration", "0.1", "--out", out.toString()).exit());
        String text = Files.readString(out.resolve("run.json"));
        assertTrue(text.contains("\"save_every\" : null"), text);
        assertFalse(text.contains("\"NaN\""), text);
        for (String f : List.of("state.npy", "time.npy", "status.npy", "accepted_steps.npy", "rejected_steps.npy")) {
            assertTrue(text.contains("\"file\" : \"" + f + "\""), f + " listed");
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
    }

    @Test
    void thePlotIsCheckedFirstAndAFailedPlotKeepsTheResults() throws Exception {
        Path out = dir.resolve("plotted");
        // /proc accepts the check (root may write there) but refuses the file: the results are written first.
        Cli.Run r = solve(example("lorenz.ode").toString(), "--save-every", "0.1", "--plot", "/proc/tornado-batch.png", "--out", out.toString());
        if (r.exit() != 0) {
            assertTrue(r.err().contains("the results in " + out + " are complete") || Cli.isOneLineRefusal(r), r::toString);
            assertEquals(r.exit() == 1, Files.isRegularFile(out.resolve("run.json")), r::toString);
        }
    }

    @Test
    void versionAndHelpHintsNameTheCommandOnce() {
        Cli.Run v = Cli.run("solve", "--version");
        assertEquals(0, v.exit());
        assertTrue(v.out().matches("tornado-batch \\d+\\.\\d+\\.\\d+.*\\R"), v::toString);
        Cli.Run u = Cli.run("no-such-command");
        assertEquals(2, u.exit());
        assertTrue(u.err().contains("(see: tornado-batch --help)"), u::toString);
        assertFalse(u.err().contains("tornado-batch tornado-batch"), u::toString);
    }
}
