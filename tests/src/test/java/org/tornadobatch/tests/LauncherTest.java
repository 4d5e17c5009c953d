package org.tornadobatch.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** The tornado-batch launcher starts the command line from the built jars. */
class LauncherTest {

    @Test
    void versionRunsTheCommandLine() throws Exception {
        Scripts.Result r = Scripts.bash("./tornado-batch --version", Map.of());
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.stdout().startsWith("tornado-batch "), r::toString);
    }

    @Test
    void devicesListsTheJvmRuntimeWithItsMemory() throws Exception {
        Scripts.Result r = Scripts.bash("./tornado-batch devices", Map.of());
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.stdout().lines().anyMatch(l -> l.startsWith("jvm        device 0: JVM (") && l.contains(" free of ")), r::toString);
        assertTrue(r.stdout().contains("auto       -> jvm"), r::toString);
    }

    @Test
    void anUnknownOptionIsOneLineAndExit2() throws Exception {
        Scripts.Result r = Scripts.bash("./tornado-batch solve examples/lorenz.ode --no-such-option", Map.of());
        assertEquals(2, r.exitCode(), r::toString);
        assertTrue(r.stderr().contains("--no-such-option"), r::toString);
    }

    @Test
    void tornadovmBackendWithoutAnSdkIsRefusedClearly() throws Exception {
        Scripts.Result r = Scripts.bash("./tornado-batch solve examples/lorenz.ode --backend tornadovm",
                Map.of("TORNADO_ENV_TORNADO_SEARCH", ""));
        assertEquals(2, r.exitCode(), r::toString);
        assertTrue(r.stderr().contains("needs a TornadoVM SDK"), r::toString);
    }
}
