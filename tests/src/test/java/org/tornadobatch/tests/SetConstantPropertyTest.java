package org.tornadobatch.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Property (issue 15): for random systems, constants given with {@code --set} give the results of the same
 * constants written in the file, bit for bit (every saved sample, every status, every step count), on a fixed-step
 * and an adaptive method. {@code -Dtornadobatch.property.cases=N} (default 12; the nightly profile runs 100).
 */
class SetConstantPropertyTest {
    @TempDir
    Path dir;

    @Test
    void setConstantsEqualWrittenConstantsBitForBit() throws Exception {
        int cases = Integer.getInteger("tornadobatch.property.cases", 12);
        Random rnd = new Random(Long.getLong("tornadobatch.property.seed", 15L));
        int changed = 0;
        for (int c = 0; c < cases; c++) {
            int nStates = 1 + rnd.nextInt(4);
            int nConst = 1 + rnd.nextInt(3);
            List<String> names = new ArrayList<>();
            for (int i = 0; i < nStates; i++) {
                names.add("s" + i);
            }
            names.add("p");
            for (int i = 0; i < nConst; i++) {
                names.add("c" + i);
            }
            double[] original = new double[nConst];
            double[] set = new double[nConst];
            for (int i = 0; i < nConst; i++) {
                original[i] = Math.round((rnd.nextDouble() * 4 - 2) * 1000) / 1000.0;
                set[i] = rnd.nextBoolean() ? rnd.nextDouble() * 3 - 1.5 : rnd.nextGaussian() * 1e-3 + 1.0 / (1 + i);
            }
            StringBuilder eq = new StringBuilder();
            for (int i = 0; i < nStates; i++) {
                eq.append("ds").append(i).append(" = ").append(expression(rnd, names, 3)).append(" - 0.5*s").append(i).append('\n');
            }
            String file = body(nStates, nConst, original) + eq;
            String written = body(nStates, nConst, set) + eq;
            Path a = Files.writeString(dir.resolve("a" + c + ".ode"), file);
            Path b = Files.writeString(dir.resolve("b" + c + ".ode"), written);
            for (String[] method : new String[][] {{"--algorithm", "rk4", "--dt", "0.01"}, {"--algorithm", "tsit5"}}) {
                List<String> common = new ArrayList<>(List.of("solve", "--quiet", "--duration", "0.5", "--save-every", "0.1", "--sweep",
                        "p=-1:1:4", "--max-steps", "100000"));
                common.addAll(List.of(method));
                Path outSet = dir.resolve("set" + c + method[1]);
                Path outWritten = dir.resolve("written" + c + method[1]);
                List<String> withSet = new ArrayList<>(common);
                withSet.addAll(List.of(a.toString(), "--out", outSet.toString()));
                for (int i = 0; i < nConst; i++) {
                    withSet.addAll(List.of("--set", "c" + i + "=" + set[i]));
                }
                List<String> fromFile = new ArrayList<>(common);
                fromFile.addAll(List.of(b.toString(), "--out", outWritten.toString()));
                Cli.Run rs = Cli.run(withSet);
                Cli.Run rw = Cli.run(fromFile);
                String what = "case " + c + " " + List.of(method) + ":\n" + file + "with " + java.util.Arrays.toString(set);
                assertEquals(rw.exit(), rs.exit(), what + "\n" + rs + "\n" + rw);
                if (rs.exit() == 2) {
                    continue; // refused alike (e.g. a constant folding to infinity), with the same reason
                }
                for (String f : List.of("state.npy", "status.npy", "accepted_steps.npy", "rejected_steps.npy", "time.npy")) {
                    assertArrayEquals(Files.readAllBytes(outWritten.resolve(f)), Files.readAllBytes(outSet.resolve(f)), f + " of " + what);
                }
                changed++;
            }
        }
        assertTrue(changed >= cases, "most cases solve: " + changed + " of " + 2 * cases);
    }

    private static String body(int nStates, int nConst, double[] constants) {
        StringBuilder s = new StringBuilder("states: ");
        for (int i = 0; i < nStates; i++) {
            s.append(i == 0 ? "" : ", ").append("s").append(i).append(" = ").append(0.1 * (i + 1));
        }
        s.append("\nparameters: p = 0.5\nconstants: ");
        for (int i = 0; i < nConst; i++) {
            s.append(i == 0 ? "" : ", ").append("c").append(i).append(" = ").append(constants[i]);
        }
        return s.append('\n').toString();
    }

    /** A random bounded expression over the names (states, p, constants). */
    private static String expression(Random rnd, List<String> names, int depth) {
        if (depth == 0 || rnd.nextInt(4) == 0) {
            return rnd.nextInt(4) == 0 ? String.valueOf(Math.round(rnd.nextDouble() * 100) / 10.0) : names.get(rnd.nextInt(names.size()));
        }
        String a = expression(rnd, names, depth - 1);
        String b = expression(rnd, names, depth - 1);
        return switch (rnd.nextInt(8)) {
            case 0 -> "(" + a + " + " + b + ")";
            case 1 -> "(" + a + " - " + b + ")";
            case 2 -> "(" + a + " * " + b + ")";
            case 3 -> "sin(" + a + ")";
            case 4 -> "cos(" + a + " * " + b + ")";
            case 5 -> "tanh(" + a + ")";
            case 6 -> "ifelse(" + a + " > " + b + ", " + a + ", " + b + ")";
            default -> "(" + a + ") / (1 + " + b + "^2)";
        };
    }
}
