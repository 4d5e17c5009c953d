package org.tornadobatch.solver.kernel;

import java.util.ArrayList;
import java.util.List;

import org.tornadobatch.system.Expr;

/**
 * Dense LU of a vector kernel's iteration matrix in a workspace ({@link VectorRosenbrockParts}, {@link VectorSdirkParts}):
 * {@code luFactor(o)} eliminates {@code W} in {@code lu} ({@code n x n} entries, row-major, each a vector of B lanes)
 * with partial pivoting, the row swaps chosen per lane and kept as lane masks in {@code swm}; {@code luSolve(o, vs,
 * slot)} replays the swaps on {@code vs}'s entries from {@code slot} and substitutes forward and back. The operations
 * and their order are {@link IterationMatrix}'s (and {@link VectorRosenbrockWriter}'s), lane by lane, so the factors
 * and solutions have the scalar kernel's bits; loops over the entries keep the code's size independent of n.
 */
final class VectorLu {
    private VectorLu() {
    }

    /**
     * The rows of a Jacobian {@code jac} (with {@code extra.get(i)}, where not null, counted with row i) in parts of at
     * most {@link VectorPartsWriter#PART_MAX_NODES} expression nodes, a row at least: the rows each generated method
     * evaluates.
     */
    static List<int[]> rowParts(List<List<Expr>> jac, List<Expr> extra) {
        List<int[]> parts = new ArrayList<>();
        List<Integer> current = new ArrayList<>();
        int cost = 0;
        for (int i = 0; i < jac.size(); i++) {
            int add = extra == null ? 0 : VectorPartsWriter.nodes(extra.get(i));
            for (Expr e : jac.get(i)) {
                add += VectorPartsWriter.nodes(e);
            }
            if (!current.isEmpty() && cost + add > VectorPartsWriter.PART_MAX_NODES) {
                parts.add(current.stream().mapToInt(Integer::intValue).toArray());
                current.clear();
                cost = 0;
            }
            current.add(i);
            cost += add;
        }
        parts.add(current.stream().mapToInt(Integer::intValue).toArray());
        return parts;
    }

    /**
     * With W's {@code rows x rows} entries in {@code lu} and its largest magnitude in {@code largest}: {@code luFactor}, and
     * the lanes whose pivot is not above IterationMatrix.pivotFactor times {@code largest} (or not finite) added to the
     * declared mask {@code singular} (IterationMatrix.build's test).
     */
    static void factorWithPivotTest(VectorSource s, int rows) {
        s.line("final " + s.type() + " pivotMin = largest.mul(" + s.literal(IterationMatrix.pivotFactor(rows, s.single)) + ");");
        s.line("luFactor(o);");
        s.open("for (int k = 0; k < " + rows + "; k++)");
        s.line("singular = singular.or(" + vec(s, "lu", "k * " + (rows + 1)) + ".abs().compare(VectorOperators.GT, pivotMin).not());");
        s.close();
    }

    /** A vector of {@code array} at slot {@code slot} (an int expression). */
    private static String vec(VectorSource s, String array, String slot) {
        return s.type() + ".fromArray(" + s.species() + ", " + array + ", (" + slot + ") * B + o)";
    }

    /** luFactor and luSolve for {@code n} rows: VectorRosenbrockWriter's elimination and substitutions as loops over W's entries. */
    static void methods(VectorSource s, int n) {
        String t = s.type();
        s.open("void luFactor(int o)");
        s.open("for (int k = 0; k < " + n + "; k++)");
        s.open("for (int r = k + 1; r < " + n + "; r++)");
        s.line("final " + s.maskType() + " sw = " + vec(s, "lu", "r * " + n + " + k") + ".abs().compare(VectorOperators.GT, " + vec(s, "lu", "k * " + (n + 1)) + ".abs());");
        s.line("sw.intoArray(swm, (k * " + n + " + r) * B + o);");
        s.open("if (sw.anyTrue())");
        s.open("for (int j = 0; j < " + n + "; j++)");
        s.line("final " + t + " x = " + vec(s, "lu", "k * " + n + " + j") + ", z = " + vec(s, "lu", "r * " + n + " + j") + ";");
        s.line("x.blend(z, sw).intoArray(lu, (k * " + n + " + j) * B + o);");
        s.line("z.blend(x, sw).intoArray(lu, (r * " + n + " + j) * B + o);");
        s.close();
        s.close();
        s.close();
        s.line("final " + t + " piv = " + vec(s, "lu", "k * " + (n + 1)) + ";");
        s.open("for (int r = k + 1; r < " + n + "; r++)");
        s.line("final " + t + " m = " + vec(s, "lu", "r * " + n + " + k") + ".div(piv);");
        s.line("m.intoArray(lu, (r * " + n + " + k) * B + o);");
        s.open("for (int j = k + 1; j < " + n + "; j++)");
        s.line(vec(s, "lu", "r * " + n + " + j") + ".sub(m.mul(" + vec(s, "lu", "k * " + n + " + j") + ")).intoArray(lu, (r * " + n + " + j) * B + o);");
        s.close();
        s.close();
        s.close();
        s.close();
        s.open("void luSolve(int o, " + s.primitive() + "[] vs, int slot)");
        s.open("for (int k = 0; k < " + n + "; k++)");
        s.open("for (int r = k + 1; r < " + n + "; r++)");
        s.line("final " + s.maskType() + " sw = VectorMask.fromArray(" + s.species() + ", swm, (k * " + n + " + r) * B + o);");
        s.open("if (sw.anyTrue())");
        s.line("final " + t + " x = " + vec(s, "vs", "slot + k") + ", z = " + vec(s, "vs", "slot + r") + ";");
        s.line("x.blend(z, sw).intoArray(vs, (slot + k) * B + o);");
        s.line("z.blend(x, sw).intoArray(vs, (slot + r) * B + o);");
        s.close();
        s.close();
        s.close();
        s.open("for (int r = 1; r < " + n + "; r++)");
        s.line(t + " v = " + vec(s, "vs", "slot + r") + ";");
        s.open("for (int k = 0; k < r; k++)");
        s.line("v = v.sub(" + vec(s, "lu", "r * " + n + " + k") + ".mul(" + vec(s, "vs", "slot + k") + "));");
        s.close();
        s.line("v.intoArray(vs, (slot + r) * B + o);");
        s.close();
        s.open("for (int r = " + (n - 1) + "; r >= 0; r--)");
        s.line(t + " v = " + vec(s, "vs", "slot + r") + ";");
        s.open("for (int k = r + 1; k < " + n + "; k++)");
        s.line("v = v.sub(" + vec(s, "lu", "r * " + n + " + k") + ".mul(" + vec(s, "vs", "slot + k") + "));");
        s.close();
        s.line("v.div(" + vec(s, "lu", "r * " + (n + 1)) + ").intoArray(vs, (slot + r) * B + o);");
        s.close();
        s.close();
    }
}
