package org.tornadobatch.solver.kernel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.tornadobatch.solver.Precision;
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.Controller;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.solver.output.Metric;
import org.tornadobatch.system.OdeSystem;

class SourceDumpTmp {
    @Test
    void dump() throws Exception {
        String dir = System.getProperty("dumpDir");
        if (dir == null) {
            return;
        }
        Path out = Path.of(dir);
        Files.createDirectories(out);
        StringBuilder chain = new StringBuilder("states: ");
        for (int i = 0; i < 40; i++) {
            chain.append(i == 0 ? "" : ", ").append("x").append(i).append(" = 1");
        }
        chain.append("\nparameters: k = 1\n");
        for (int i = 0; i < 40; i++) {
            chain.append("dx").append(i).append(" = -k * x").append(i).append(" + x").append((i + 1) % 40).append("\n");
        }
        OdeSystem big = OdeSystem.parse(chain.toString(), "chain");
        int n = 0;
        for (OdeSystem sys : List.of(KernelVariants.PENDULUM, big)) {
            for (Algorithm a : Algorithm.values()) {
                for (Controller c : Controller.values()) {
                    if (c.isAdaptive() && !a.tableau().hasErrorEstimate()) {
                        continue;
                    }
                    for (Precision p : Precision.values()) {
                        for (boolean summaries : new boolean[] {false, true}) {
                            StepControl ctl = StepControl.builder().controller(c).resolve(a, sys.states().size());
                            int[] none = new int[0];
                            List<Metric> metrics = summaries ? List.of(Metric.of("mean"), Metric.of("std"), Metric.of("extrema"),
                                    Metric.of("peaks[2]"), Metric.of("rms"), Metric.of("max_magnitude")) : List.of();
                            boolean obs = !sys.observables().isEmpty();
                            KernelSpec spec = new KernelSpec(sys, a.tableau(), ctl, p, new int[] {0, 1}, obs ? new int[] {0} : none,
                                    summaries ? new int[] {1} : none, summaries && obs ? new int[] {0} : none, metrics);
                            for (String lang : List.of("java", "cuda", "tornadovm")) {
                                String name = sys.name() + "-" + a + "-" + c + "-" + p + "-" + summaries + "-" + lang;
                                Files.writeString(out.resolve(name), KernelGenerator.generate(spec, lang).code());
                                n++;
                            }
                        }
                    }
                }
            }
        }
        System.out.println("dumped " + n);
    }
}
