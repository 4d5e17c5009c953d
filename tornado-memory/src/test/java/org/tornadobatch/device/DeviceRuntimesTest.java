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

    @Test
    void aKnownRuntimeMissingFromTheClassPathNamesItsArtifact() {
        // The memory module's tests have only the jvm runtime on their class path.
        DeviceException e = assertThrows(DeviceException.class, () -> DeviceRuntimes.open("cuda", 0));
        assertEquals("the cuda runtime is not on the class path (found: jvm); add the dependency org.tornadobatch:tornado-cuda"
                + " to the program, or choose one of those found", e.getMessage());
    }

    /** A provider that counts how often it was probed. */
    private static final class Counting implements DeviceRuntimeProvider {
        final String name;
        final int priority;
        final boolean available;
        int probes;

        Counting(String name, int priority, boolean available) {
            this.name = name;
            this.priority = priority;
            this.available = available;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public int priority() {
            return priority;
        }

        @Override
        public Availability availability() {
            probes++;
            return available ? Availability.yes("here") : Availability.no("not here");
        }

        @Override
        public DeviceRuntime open(int deviceIndex) {
            return new org.tornadobatch.device.jvm.JvmRuntime(1 << 20, 1);
        }
    }

    @Test
    void aNamedRuntimeProbesOnlyItselfAndAutoStopsAtTheFirstAvailable() {
        // Issue 15: the cuda probe (and its native-access warning) ran even when the jvm backend was asked for.
        Counting gpu = new Counting("gpu", 300, true);
        Counting jvm = new Counting("jvm", 100, true);
        try (DeviceRuntime r = DeviceRuntimes.open(List.of(gpu, jvm), "jvm", 0)) {
            assertEquals(0, gpu.probes, "the gpu runtime was probed for a jvm solve");
            assertEquals(1, jvm.probes);
        }
        Counting missing = new Counting("gpu", 300, false);
        Counting low = new Counting("low", 50, true);
        try (DeviceRuntime r = DeviceRuntimes.open(List.of(missing, jvm, low), "auto", 0)) {
            assertEquals(1, missing.probes);
            assertEquals(0, low.probes, "auto stops at the first runtime that can start");
        }
    }

    @Test
    void providerOptionsOpenTheJvmRuntimeWithItsThreadsAndOthersRefuseOptions() {
        try (DeviceRuntime r = DeviceRuntimes.open("jvm", 0, java.util.Map.of("threads", "1"))) {
            assertEquals("jvm", r.name());
            assertTrue(r.deviceName().contains("1 of"), r.deviceName());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeviceRuntimes.open("jvm", 0, java.util.Map.of("cores", "2")));
        assertTrue(e.getMessage().contains("[cores]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DeviceRuntimes.open("jvm", 0, java.util.Map.of("threads", "0")));
        Counting plain = new Counting("plain", 10, true);
        assertThrows(IllegalArgumentException.class, () -> plain.open(0, java.util.Map.of("threads", "1")));
    }
}
