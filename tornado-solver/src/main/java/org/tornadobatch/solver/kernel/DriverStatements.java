package org.tornadobatch.solver.kernel;

import static org.tornadobatch.solver.kernel.Code.call;
import static org.tornadobatch.solver.kernel.Code.ex;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.tornadobatch.solver.Precision;
import org.tornadobatch.solver.kernel.Code.Body;
import org.tornadobatch.solver.kernel.Code.Ex;
import org.tornadobatch.solver.kernel.Code.St;
import org.tornadobatch.solver.kernel.Code.Ty;
import org.tornadobatch.system.Expr;

/**
 * The statements that compute a kernel's drivers at a time, for the run {@code r}: the position in pieces from t0,
 * wrapped or clamped, then the piece's polynomial (Horner) from the {@code drv} table, or from the run's rows of
 * {@code par} after its parameters (per-run drivers), in double. Written out ({@code calls} false: CUDA, TornadoVM,
 * the vector kernel's lanes and the Java kernel's own methods), or as calls of the Java kernel's {@code tb_dv<j>}
 * ({@code calls}): written out at each stage, they made its run method too large for HotSpot's C1 ("out of virtual
 * registers"), which left it in C1's unprofiled code for seconds.
 */
final class DriverStatements {
    private final KernelSpec spec;
    private final DriverTable table;
    private final boolean calls;
    /** The layout of {@code par}'s elements. */
    private final String layout;

    DriverStatements(KernelSpec spec, boolean calls) {
        this.spec = spec;
        this.table = spec.drivers();
        this.calls = calls;
        this.layout = spec.precision() == Precision.FLOAT32 ? "F32" : "F64";
    }

    /** Declares {@code dv<j>}, the value at {@code time} of each driver that {@code exprs} use (none without drivers). */
    void values(Body b, String time, List<Expr> exprs) {
        if (table == null) {
            return;
        }
        Set<String> used = new LinkedHashSet<>();
        exprs.forEach(e -> e.forEachRef(r -> used.add(r.name())));
        int k1 = table.degree() + 1;
        int count = table.names().size();
        for (int j = 0; j < count; j++) {
            if (!used.contains(table.names().get(j))) {
                continue;
            }
            if (calls) {
                b.declare(true, Ty.DOUBLE, "dv" + j, ex("tb_dv" + j + "(" + time + ", r, drv, par, stride)"));
                continue;
            }
            String i = "di" + j;
            String f = "df" + j;
            position(b, time, j);
            String base = "(" + i + " * " + count + " + " + j + ") * " + k1;
            java.util.function.IntFunction<Ex> coefficient = table.perRun()
                    ? k -> new Code.Load("par", layout, ex("((", Ty.INT64, ") (" + spec.system().parameters().size() + " + " + base + " + " + k
                            + ")) * stride + r"))
                    : k -> new Code.Load("drv", "F64", ex(base + " + " + k));
            Ex horner = coefficient.apply(table.degree());
            for (int k = table.degree() - 1; k >= 0; k--) {
                horner = ex("(", horner, ") * " + f + " + ", coefficient.apply(k));
            }
            b.declare(true, Ty.DOUBLE, "dv" + j, horner);
        }
    }

    /** {@link #values(Body, String, List)}'s statements. */
    List<St> values(String time, List<Expr> exprs) {
        Body b = new Body();
        values(b, time, exprs);
        return b.statements();
    }

    /**
     * The body of the Java kernel's {@code static double tb_dv<j>(double tq, long r, MemorySegment drv, MemorySegment
     * par, long stride)}, up to its {@code return dv<j>}: driver {@code j}'s value at time {@code tq} for run {@code r}
     * (written out).
     */
    List<St> method(int j) {
        return new DriverStatements(spec, false).values("tq", List.of(new Expr.Ref(table.names().get(j), null)));
    }

    /**
     * Declares {@code di<j>}, the piece of driver {@code j}'s samples that holds the time {@code time}, and
     * {@code df<j>}, the position in it (0 to 1): from t0, wrapped or clamped.
     */
    void position(Body b, String time, int j) {
        int segs = table.segments();
        String u = "du" + j;
        String i = "di" + j;
        b.declare(false, Ty.DOUBLE, u, "(" + time + " - ", new Code.Lit(table.t0(), false), ") * ", new Code.Lit(1 / table.dt(), false));
        if (table.wrap()) {
            b.assign(u, ex(u + " - " + segs + ".0 * ", call("floor", ex(u + " / " + segs + ".0"))));
        } else {
            b.assign(u, call("min", call("max", ex(u), ex("0.0")), ex(segs + ".0")));
        }
        b.declare(false, Ty.INT, i, new Code.Cast(Ty.INT, ex(u)));
        b.when(ex(i + " > " + (segs - 1)), x -> x.assign(i, String.valueOf(segs - 1)));
        b.declare(true, Ty.DOUBLE, "df" + j, u + " - " + i);
    }

    /** {@link #position(Body, String, int)}'s statements. */
    List<St> position(String time, int j) {
        Body b = new Body();
        position(b, time, j);
        return b.statements();
    }
}
