package org.tornadobatch.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;
import org.tornadobatch.Bytes;
import org.tornadobatch.device.jvm.JvmDeviceBuffer;
import org.tornadobatch.device.jvm.JvmRuntime;

class JvmRuntimeTest extends DeviceRuntimeContract {
    @Override
    protected DeviceRuntime open() {
        return new JvmRuntime(256 * Bytes.MiB);
    }

    @Test
    void copiesMoveTheBytesInStreamOrder() {
        DeviceBuffer b = runtime.allocate(800);
        MemorySegment src = MemorySegment.ofArray(new double[100]);
        for (int i = 0; i < 100; i++) {
            src.setAtIndex(ValueLayout.JAVA_DOUBLE, i, Math.sqrt(i));
        }
        MemorySegment dst = MemorySegment.ofArray(new double[50]);
        try (DeviceStream s = runtime.newStream()) {
            runtime.copyToDevice(src, b, 0, s);
            ((JvmRuntime) runtime).submit(s, () -> ((JvmDeviceBuffer) b).segment().setAtIndex(ValueLayout.JAVA_DOUBLE, 60, -1.0));
            runtime.copyToHost(b, 400, dst, s);
            s.synchronize();
        }
        assertEquals(Math.sqrt(50), dst.getAtIndex(ValueLayout.JAVA_DOUBLE, 0));
        assertEquals(-1.0, dst.getAtIndex(ValueLayout.JAVA_DOUBLE, 10), "the task ran between the copies");
        runtime.free(b);
    }

    @Test
    void aFailingTaskIsReportedAtTheNextSynchronize() {
        try (DeviceStream s = runtime.newStream()) {
            ((JvmRuntime) runtime).submit(s, () -> {
                throw new IllegalStateException("kernel failed");
            });
            DeviceException e = assertThrows(DeviceException.class, s::synchronize);
            assertTrue(e.getMessage().contains("kernel failed"), e.getMessage());
            s.synchronize(); // reported once
        }
    }

    @Test
    void theDefaultTotalIsConfigurable() {
        System.setProperty(JvmRuntime.TOTAL_PROPERTY, "12345");
        try {
            assertEquals(12345, JvmRuntime.defaultTotalBytes());
            System.setProperty(JvmRuntime.TOTAL_PROPERTY, "lots");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, JvmRuntime::defaultTotalBytes);
            assertEquals(JvmRuntime.TOTAL_PROPERTY + ": lots (expected: a number of bytes > 0)", e.getMessage());
        } finally {
            System.clearProperty(JvmRuntime.TOTAL_PROPERTY);
        }
        assertTrue(JvmRuntime.defaultTotalBytes() > 0);
    }
}
