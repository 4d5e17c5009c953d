package org.tornadobatch.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.tornadobatch.system.OdeSystem;

/** Batches from sweeps: every run's values against the order {@code itertools.product} gives, written out here. */
class BatchTest {
    private static final OdeSystem SYSTEM = OdeSystem.parse("""
            states: x = 1.5, y = -2.0
            parameters: a = 3.0, b = 4.0, c = 5.0
            dx = a * x + b
            dy = c * y
            """, "sweeps");

    private static double[] values(int n, double offset) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = offset + i;
        }
        return v;
    }

    @Test
    void aLargeCombinatorialGridHoldsEveryRunInProductOrder() {
        // 64 x 50 x 61 = 195,200 runs: filled in several blocks, whose edges fall inside runs of equal values.
        double[] x = values(64, 100);
        double[] a = values(50, 1000);
        double[] c = values(61, 5000);
        Map<String, double[]> sweeps = new LinkedHashMap<>();
        sweeps.put("c", c); // the map's order does not matter: the system's declaration order does
        sweeps.put("x", x);
        sweeps.put("a", a);
        Batch b = Batch.grid(SYSTEM, sweeps, GridKind.COMBINATORIAL);
        assertEquals(64 * 50 * 61, b.runs());
        int r = 0;
        for (double xv : x) {
            for (double av : a) {
                for (double cv : c) {
                    assertEquals(xv, b.state(0, r), "x of run " + r);
                    assertEquals(-2.0, b.state(1, r), "y (default) of run " + r);
                    assertEquals(av, b.parameter(0, r), "a of run " + r);
                    assertEquals(4.0, b.parameter(1, r), "b (default) of run " + r);
                    assertEquals(cv, b.parameter(2, r), "c of run " + r);
                    r++;
                }
            }
        }
    }

    @Test
    void aLargeVerbatimGridPairsTheListsRunByRun() {
        int n = 300_001;
        double[] y = values(n, -7);
        Map<String, double[]> sweeps = new LinkedHashMap<>();
        sweeps.put("y", y);
        sweeps.put("b", new double[] {0.25});
        Batch b = Batch.grid(SYSTEM, sweeps, GridKind.VERBATIM);
        assertEquals(n, b.runs());
        for (int r = 0; r < n; r++) {
            assertEquals(1.5, b.state(0, r));
            assertEquals(-7 + r, b.state(1, r), "y of run " + r);
            assertEquals(0.25, b.parameter(1, r), "b, one value for every run");
            assertEquals(5.0, b.parameter(2, r));
        }
    }
}
