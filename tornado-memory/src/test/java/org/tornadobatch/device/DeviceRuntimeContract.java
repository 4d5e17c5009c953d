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

    /** Whether device buffers hold data (false for a runtime that only accounts memory). */
    protected boolean storesData() {
        return true;
    }

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
    public void pitchedCopiesMoveABlockOfColumns() {
        // A 3 x 10 int array on the host; columns 4..7 of each row go to a 3 x 6 device array at column 1.
        int rows = 3;
        int hostWidth = 10;
        int devWidth = 6;
        DeviceBuffer b = runtime.allocate(rows * devWidth * 4L);
        try (DeviceStream s = runtime.newStream(); HostBuffer h = runtime.allocateHost(rows * hostWidth * 4L, HostMemoryKind.PINNED);
             HostBuffer back = runtime.allocateHost(rows * hostWidth * 4L, HostMemoryKind.PINNED)) {
            MemorySegment zero = MemorySegment.ofArray(new int[rows * devWidth]);
            runtime.copyToDevice(zero, b, 0, s);
            for (int i = 0; i < rows * hostWidth; i++) {
                h.segment().setAtIndex(java.lang.foreign.ValueLayout.JAVA_INT, i, 100 + i);
            }
            Rows block = new Rows(rows, 4 * 4, hostWidth * 4, devWidth * 4);
            assertThrows(IndexOutOfBoundsException.class, () -> runtime.copyRowsToDevice(h.segment(), b, 12, block, s),
                    "rows past the device buffer's end");
            org.junit.jupiter.api.Assumptions.assumeTrue(storesData(), "the " + runtime.name() + " runtime keeps no data");
            runtime.copyRowsToDevice(h.segment().asSlice(4 * 4), b, 4, block, s);
            int[] dev = new int[rows * devWidth];
            MemorySegment devView = MemorySegment.ofArray(dev);
            runtime.copyToHost(b, 0, devView, s);
            s.synchronize();
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < devWidth; c++) {
                    int expected = c >= 1 && c < 5 ? 100 + r * hostWidth + 4 + c - 1 : 0;
                    assertEquals(expected, dev[r * devWidth + c], "device row " + r + " column " + c);
                }
            }
            // and back: device columns 1..4 into host columns 2..5 of a zeroed array
            back.segment().fill((byte) 0);
            runtime.copyRowsToHost(b, 4, back.segment().asSlice(2 * 4), new Rows(rows, 4 * 4, devWidth * 4, hostWidth * 4), s);
            s.synchronize();
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < hostWidth; c++) {
                    int expected = c >= 2 && c < 6 ? 100 + r * hostWidth + 4 + c - 2 : 0;
                    assertEquals(expected, back.segment().getAtIndex(java.lang.foreign.ValueLayout.JAVA_INT, r * hostWidth + c),
                            "host row " + r + " column " + c);
                }
            }
        } finally {
            runtime.free(b);
        }
    }

    @Test
    public void aHostViewWhereOfferedIsTheBuffersData() {
        DeviceBuffer b = runtime.allocate(64);
        try (DeviceStream s = runtime.newStream()) {
            MemorySegment view = runtime.hostView(b);
            org.junit.jupiter.api.Assumptions.assumeTrue(view != null, "the " + runtime.name() + " runtime offers no host view of its buffers");
            assertEquals(64, view.byteSize());
            long[] written = {1, 2, 3, 4, 5, 6, 7, 8};
            runtime.copyToDevice(MemorySegment.ofArray(written), b, 0, s);
            s.synchronize();
            assertEquals(-1, view.mismatch(MemorySegment.ofArray(written)), "a copy to the device shows in the view");
            view.setAtIndex(java.lang.foreign.ValueLayout.JAVA_LONG, 3, 42);
            long[] back = new long[8];
            runtime.copyToHost(b, 0, MemorySegment.ofArray(back), s);
            s.synchronize();
            assertEquals(42, back[3], "a write through the view is what the device holds");
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
