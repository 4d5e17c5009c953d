package org.tornadobatch.tests.tornadovm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.tornadobatch.device.Availability;
import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.device.DeviceRuntimes;
import org.tornadobatch.device.tornadovm.TornadoVmRuntime;
import org.tornadobatch.device.tornadovm.TornadoVmRuntime.BackendView;
import org.tornadobatch.tests.BackendAgreementContract;

/** Which TornadoVM backend a solve takes when none is named: PTX, then a GPU, then any device. */
@Tag("tornadovm")
class TornadoVmBackendChoiceTest {
    private static BackendView view(String type, String... devices) {
        return new BackendView(type, List.of(devices));
    }

    @Test
    void ptxComesFirstThenAGpuThenAnyDevice() {
        // The usual SDK built for OpenCL and PTX on an NVIDIA machine lists NVIDIA's OpenCL GPU first.
        assertEquals(1, TornadoVmRuntime.preferredBackend(List.of(view("OPENCL", "GPU"),
                view("PTX", "GPU"))));
        assertEquals(1, TornadoVmRuntime.preferredBackend(List.of(view("OPENCL", "CPU"),
                view("OPENCL", "CPU", "GPU"))));
        assertEquals(1, TornadoVmRuntime.preferredBackend(List.of(view("PTX"),
                view("OPENCL", "CPU"))), "a PTX backend without a device is passed over");
        assertEquals(0, TornadoVmRuntime.preferredBackend(List.of(view("OPENCL", "CPU"),
                view("SPIRV", "CPU"))), "no GPU: the first with a device");
        assertEquals(0, TornadoVmRuntime.preferredBackend(List.of()));
    }

    @Test
    void theOptionBackendPicksOneAndABadOneIsOneClearLine() {
        Availability a = BackendAgreementContract.availability("tornadovm");
        Assumptions.assumeTrue(a.available(), () -> "tornadovm runtime unavailable: " + a.reason());
        int chosen = TornadoVmRuntime.preferredBackend();
        try (DeviceRuntime rt = DeviceRuntimes.open("tornadovm", 0, java.util.Map.of("backend", String.valueOf(chosen)))) {
            assertTrue(rt.deviceName().contains("TornadoVM") && rt.deviceName().contains(" " + chosen + ":0)"), rt.deviceName());
        }
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> DeviceRuntimes.open("tornadovm", 0, java.util.Map.of("backend", "99")));
        assertTrue(e.getMessage().contains("TornadoVM backend 99 (expected: 0 to"), e.getMessage());
    }
}
