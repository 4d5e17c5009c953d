package org.tornadobatch.solver.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.tornadobatch.solver.kernel.Code.ex;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.tornadobatch.solver.kernel.Code.Body;
import org.tornadobatch.solver.kernel.Code.St;
import org.tornadobatch.solver.kernel.Code.Ty;

/** One statement tree printed in each dialect: what differs is the dialect's, the rest is the same text. */
class PrinterTest {
    /** A failure check inside the event loop, then a store: the shape the step writers produce. */
    private static final List<St> EVENT = List.of(new Code.EventLoop(List.of(
            new Code.Declare(true, Ty.INT64, List.of(Code.var("n", "0"))),
            new Code.AfterSteps(List.of(new Code.Guard(ex("n > 2"), Body.of(b -> b.update("code", "|=", 1)), new Code.Leave(),
                    Body.of(b -> b.store("out", "F64", ex("r"), Code.call("abs", new Code.Lit(-0.5, false))))))))));

    private static String print(Dialect d) {
        StringBuilder out = new StringBuilder();
        new Printer(d, out, 0).print(EVENT);
        return out.toString();
    }

    @Test
    void javaLeavesTheLabelledLoopAndGoesOn() {
        assertEquals("""
                events:
                for (int e = 0; e < nEvents; e++) {
                    final long n = 0;
                    if (n > 2) {
                        code |= 1;
                        break events;
                    }
                    out.setAtIndex(F64, r, Math.abs((-0.5)));
                }
                """, print(Dialect.JAVA));
    }

    @Test
    void cudaJumpsPastTheLoop() {
        assertEquals("""
                for (int e = 0; e < nEvents; e++) {
                    const long long n = 0;
                    if (n > 2) {
                        code |= 1;
                        goto events_end;
                    }
                    out[r] = fabs((-0.5));
                }
                events_end:;
                """, print(Dialect.CUDA));
    }

    @Test
    void tornadoVmNestsWhatFollowsAFailureAndEndsLoopsThroughTheirConditions() {
        assertEquals("""
                for (int e = 0; e < nEvents && code == 0; e++) {
                    final long n = 0;
                    if (code == 0) {
                        if (n > 2) {
                            code |= 1;
                        } else {
                            out.set((int) (r), TornadoMath.abs((-0.5)));
                        }
                    }
                }
                """, print(new Dialect.TornadoVm(3)));
    }
}
