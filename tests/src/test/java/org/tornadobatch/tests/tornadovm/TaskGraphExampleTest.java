package org.tornadobatch.tests.tornadovm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.device.DeviceRuntimes;

/**
 * The task-graph example (examples/task-graph: the integrator as a task of a TornadoVM task graph of its own,
 * followed by a task of the example's that reads the integrator's states on the device) runs, in one chunk and in
 * chunks forced by a small memory proportion, and its task's values match the solve's result. The example is
 * compiled into the tests only where a TornadoVM SDK is, so it is reached by name.
 */
@Tag("tornadovm")
class TaskGraphExampleTest {
    private static final String EXAMPLE = "org.tornadobatch.examples.LorenzTaskGraph";

    private static Object run(int n, double memProportion) throws Exception {
        TornadoVmSolverTest.assumeTornadoVm();
        Class<?> example;
        try {
            example = Class.forName(EXAMPLE);
        } catch (ClassNotFoundException e) {
            assumeTrue(false, "the task-graph example is compiled only where a TornadoVM SDK is installed");
            return null;
        }
        Method run = example.getMethod("run", int.class, double.class, Path.class);
        Object outcome = run.invoke(null, n, memProportion, lorenzOde());
        System.out.println("task-graph example: " + outcome);
        return outcome;
    }

    /** examples/lorenz.ode: under the project root (Maven's tornadobatch.root), or the working directory or its parent. */
    private static Path lorenzOde() {
        String root = System.getProperty("tornadobatch.root");
        for (Path dir : root != null ? List.of(Path.of(root)) : List.of(Path.of("."), Path.of(".."))) {
            Path f = dir.resolve("examples/lorenz.ode");
            if (Files.isRegularFile(f)) {
                return f;
            }
        }
        throw new IllegalStateException("examples/lorenz.ode not found under " + (root != null ? root : ". or ..")
                + " (run from the project root or its tests folder, or set -Dtornadobatch.root)");
    }

    private static double get(Object outcome, String component) throws Exception {
        return ((Number) outcome.getClass().getMethod(component).invoke(outcome)).doubleValue();
    }

    @Test
    void theExampleRunsInOneChunkAndItsTaskSeesTheIntegratorsStates() throws Exception {
        Object o = run(20_000, 1.0);
        assertEquals(1, get(o, "chunks"));
        assertTrue(get(o, "maxDifference") <= 1e-12, "task radius vs result: " + o);
        assertTrue(get(o, "meanRadius") > 1, "final states look unintegrated: " + o);
    }

    @Test
    void theExampleRunsInChunksForcedByTheMemoryProportion() throws Exception {
        Object whole = run(20_000, 1.0);
        // 20,000 runs need about 1.5 MB of device arrays (76 bytes each); 300 kB leaves room for about 4,000 per chunk.
        Object chunked = run(20_000, 3e5 / totalBytes());
        assertTrue(get(chunked, "chunks") >= 4, "expected at least 4 chunks: " + chunked);
        assertTrue(get(chunked, "maxDifference") <= 1e-12, "task radius vs result: " + chunked);
        assertEquals(get(whole, "meanRadius"), get(chunked, "meanRadius"), "chunked and whole solves differ");
    }

    private static double totalBytes() {
        try (DeviceRuntime rt = DeviceRuntimes.open("tornadovm", 0)) {
            return rt.memoryInfo().totalBytes();
        }
    }
}
