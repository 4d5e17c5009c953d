package org.tornadobatch.examples;

import java.nio.file.Path;
import java.util.Map;

import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.device.DeviceRuntimes;
import org.tornadobatch.device.tornadovm.IntegratorTask;
import org.tornadobatch.memory.MemoryManager;
import org.tornadobatch.solver.Batch;
import org.tornadobatch.solver.GridKind;
import org.tornadobatch.solver.SolveResult;
import org.tornadobatch.solver.Solver;
import org.tornadobatch.solver.TimeSpec;
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.system.OdeSystem;

import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.DoubleArray;

/**
 * The integrator as one task of a TornadoVM task graph of our own: Lorenz with classical RK4 over rho =
 * linspace(0, 21, N), then a task of ours that reads the integrator's final states on the device and writes
 * each run's distance from the origin, which comes back with every chunk. The memory manager plans the chunks
 * (pass a memory proportion to force several); the distances are checked against the solve's own result.
 *
 * <pre>
 * examples/task-graph/run.sh [N] [memProportion] [lorenz.ode]
 * </pre>
 */
public final class LorenzTaskGraph {
    /** What a run found: the chunks, and the largest difference between our task's radius and the result's. */
    public record Outcome(long runs, long chunks, double maxDifference, double meanRadius, double millis) {
    }

    private LorenzTaskGraph() {
    }

    /** Our task: |(x, y, z)| of each run of the chunk, from the integrator's state array (rows x, y, z; run fastest). */
    public static void radius(DoubleArray state, DoubleArray radius, int length) {
        for (@Parallel int r = 0; r < length; r++) {
            double x = state.get(r);
            double y = state.get(length + r);
            double z = state.get(2 * length + r);
            radius.set(r, TornadoMath.sqrt(x * x + y * y + z * z));
        }
    }

    private static Solver solver(OdeSystem lorenz, MemoryManager memory, double memProportion) {
        Solver.Builder b = Solver.builder(lorenz).algorithm(Algorithm.CLASSICAL_RK4).stepControl(StepControl.builder().dt(1e-3))
                .memoryManager(memory);
        return (memProportion < 1 ? b.memProportion(memProportion) : b).build();
    }

    public static Outcome run(int n, double memProportion, Path system) throws Exception {
        OdeSystem lorenz = OdeSystem.load(system);
        double[] rho = new double[n];
        for (int i = 0; i < n; i++) {
            rho[i] = 21.0 * i / Math.max(1, n - 1);
        }
        Batch batch = Batch.grid(lorenz, Map.of("rho", rho), GridKind.COMBINATORIAL);
        long started = System.nanoTime();
        try (DeviceRuntime tornadovm = DeviceRuntimes.open("tornadovm", 0);
             Solver solver = solver(lorenz, MemoryManager.builder(tornadovm).build(), memProportion);
             IntegratorTask integrator = IntegratorTask.prepare(solver, batch, TimeSpec.finalState(1.0))) {
            int length = integrator.chunkLength();
            DoubleArray radius = new DoubleArray(length);
            double[] radii = new double[n];
            TaskGraph graph = integrator.addTo(new TaskGraph("example"), "integrate")
                    .task("radius", LorenzTaskGraph::radius, (DoubleArray) integrator.array("state"), radius, length)
                    .transferToHost(DataTransferMode.EVERY_EXECUTION, radius);
            try (TornadoExecutionPlan plan = integrator.configure(new TornadoExecutionPlan(graph.snapshot()));
                 SolveResult result = integrator.run(plan, (chunk, firstRun, runs) -> {
                     for (int r = 0; r < runs; r++) {
                         radii[(int) firstRun + r] = radius.get(r);
                     }
                 })) {
                double worst = 0;
                double sum = 0;
                for (int r = 0; r < n; r++) {
                    double x = result.state().get(0, 0, r);
                    double y = result.state().get(0, 1, r);
                    double z = result.state().get(0, 2, r);
                    double expected = Math.sqrt(x * x + y * y + z * z);
                    worst = Math.max(worst, Math.abs(radii[r] - expected) / Math.max(1, expected));
                    sum += radii[r];
                }
                return new Outcome(n, result.info().chunks(), worst, sum / n, (System.nanoTime() - started) / 1e6);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        if (System.getProperty("logback.configurationFile") == null) { // the command line's logging: one INFO summary per solve
            System.setProperty("logback.configurationFile", "org/tornadobatch/cli/logback-cli.xml");
        }
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        double proportion = args.length > 1 ? Double.parseDouble(args[1]) : 1.0;
        Path system = Path.of(args.length > 2 ? args[2] : "examples/lorenz.ode");
        Outcome o = run(n, proportion, system);
        System.out.printf("%d runs in %d chunk(s), %.0f ms: mean |(x, y, z)| at t = 1 is %.6f; our task and the result differ by at most %.3g"
                + " (relative)%n", o.runs(), o.chunks(), o.millis(), o.meanRadius(), o.maxDifference());
        if (!(o.maxDifference() <= 1e-12)) {
            System.err.println("the task's radii differ from the result's");
            System.exit(1);
        }
    }
}
