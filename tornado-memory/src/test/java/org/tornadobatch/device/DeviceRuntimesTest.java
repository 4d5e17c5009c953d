package org.tornadobatch.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class DeviceRuntimesTest {
    @Test
    void theJvmRuntimeIsAlwaysFoundAndAvailable() {
        List<DeviceRuntimes.Found> found = DeviceRuntimes.discover();
        DeviceRuntimes.Found jvm = found.stream().filter(f -> f.name().equals("jvm")).findFirst().orElseThrow();
        assertTrue(jvm.availability().available(), jvm.availability().reason());
        try (DeviceRuntime r = DeviceRuntimes.open("jvm", 0)) {
            assertEquals("jvm", r.name());
            assertTrue(r.memoryInfo().totalBytes() > 0);
        }
    }

    @Test
    void autoOpensTheAvailableRuntimeOfHighestPriority() {
        List<DeviceRuntimes.Found> found = DeviceRuntimes.discover();
        String best = found.stream().filter(f -> f.availability().available()).findFirst().orElseThrow().name();
        try (DeviceRuntime r = DeviceRuntimes.open("auto", 0)) {
            assertEquals(best, r.name());
        }
    }

    @Test
    void anUnknownRuntimeNamesTheKnownOnes() {
        DeviceException e = assertThrows(DeviceException.class, () -> DeviceRuntimes.open("opengl", 0));
        assertTrue(e.getMessage().startsWith("unknown device runtime: opengl (expected: auto, "), e.getMessage());
        assertTrue(e.getMessage().contains("jvm"), e.getMessage());
    }
}
