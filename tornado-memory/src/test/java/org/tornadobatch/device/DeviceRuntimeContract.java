package org.tornadobatch.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every device runtime must do; one subclass per runtime (also in other modules: this class is public). */
public abstract class DeviceRuntimeContract {
    protected DeviceRuntime runtime;

    /** A runtime with at least 64 MiB free. */
    protected abstract DeviceRuntime open();

    @BeforeEach
    public void setUp() {
        runtime = open();
    }

    @AfterEach
    public void tearDown() {
        if (runtime != null) { // null when open() was skipped by an assumption
            runtime.close();
            runtime.close(); // idempotent
        }
    }

    @Test
    public void allocationsReduceFreeMemoryAndFreesRestoreIt() {
        MemoryInfo before = runtime.memoryInfo();
        assertTrue(before.freeBytes() <= before.totalBytes());
        DeviceBuffer b = runtime.allocate(1 << 20);
        assertEquals(1 << 20, b.bytes());
        assertTrue(b.isValid());
        assertTrue(runtime.memoryInfo().freeBytes() <= before.freeBytes() - (1 << 20));
        runtime.free(b);
        assertFalse(b.isValid());
        assertEquals(before.freeBytes(), runtime.memoryInfo().freeBytes());
    }

    @Test
    public void freeingTwiceIsAnError() {
        DeviceBuffer b = runtime.allocate(1024);
        runtime.free(b);
        assertThrows(DeviceException.class, () -> runtime.free(b));
    }

    @Test
    public void allocatingMoreThanIsFreeFailsWithTheNumbers() {
        long free = runtime.memoryInfo().freeBytes();
        OutOfDeviceMemoryException e = assertThrows(OutOfDeviceMemoryException.class, () -> runtime.allocate(free + 1));
        assertEquals(free + 1, e.requestedBytes());
        assertTrue(e.getMessage().contains("cannot allocate"), e.getMessage());
    }

    @Test
    public void copiesOutOfBoundsAreRejected() {
        DeviceBuffer b = runtime.allocate(100);
        try (DeviceStream s = runtime.newStream()) {
            assertThrows(IndexOutOfBoundsException.class, () -> runtime.copyToDevice(MemorySegment.ofArray(new byte[64]), b, 40, s));
            assertThrows(IndexOutOfBoundsException.class, () -> runtime.copyToHost(b, 50, MemorySegment.ofArray(new byte[64]), s));
        } finally {
            runtime.free(b);
        }
    }

    @Test
    public void streamsRecordEventsThatComplete() {
        DeviceBuffer b = runtime.allocate(4096);
        try (DeviceStream s = runtime.newStream(); HostBuffer h = runtime.allocateHost(4096, HostMemoryKind.PINNED)) {
            runtime.copyToDevice(h.segment(), b, 0, s);
            DeviceEvent e = s.record();
            e.synchronize();
            assertTrue(e.isComplete());
            assertEquals(HostMemoryKind.PINNED, h.kind());
            assertEquals(4096, h.bytes());
        } finally {
            runtime.free(b);
        }
    }

    @Test
    public void streamOrderedAllocationIsOfferedOrRefusedClearly() {
        try (DeviceStream s = runtime.newStream()) {
            if (runtime.supportsStreamOrderedAllocation()) {
                DeviceBuffer b = runtime.allocateAsync(2048, s);
                runtime.freeAsync(b, s);
                s.synchronize();
                assertFalse(b.isValid());
            } else {
                UnsupportedFeatureException e = assertThrows(UnsupportedFeatureException.class, () -> runtime.allocateAsync(2048, s));
                assertTrue(e.getMessage().contains("does not offer stream-ordered allocation"));
            }
        }
    }

    @Test
    public void concurrentAllocationsAreAccountedExactly() throws InterruptedException {
        long free = runtime.memoryInfo().freeBytes();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 200; i++) {
                    runtime.free(runtime.allocate(4096 + i));
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(free, runtime.memoryInfo().freeBytes());
    }
}
