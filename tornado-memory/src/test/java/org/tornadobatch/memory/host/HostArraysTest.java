package org.tornadobatch.memory.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tornadobatch.Bytes;
import org.tornadobatch.TornadoBatchException;
import org.tornadobatch.device.DeviceBuffer;
import org.tornadobatch.device.DeviceStream;
import org.tornadobatch.device.jvm.JvmRuntime;
import org.tornadobatch.memory.ElementType;
import org.tornadobatch.memory.MemoryManager;
import org.tornadobatch.memory.OwnerSettings;

class HostArraysTest {
    @TempDir
    Path tmp;

    @Test
    void theKindFollowsTheThresholdAndThePinnedLimit() {
        assertEquals(HostArrayKind.MAPPED, HostArrays.choose(1001, 1000, true));
        assertEquals(HostArrayKind.PINNED, HostArrays.choose(1000, 1000, true));
        assertEquals(HostArrayKind.PAGEABLE, HostArrays.choose(1000, 1000, false));
        assertEquals(HostArrayKind.PAGEABLE, HostArrays.choose(HostArrays.PINNED_MAX_BYTES + 1, 0, true), "0: never spill");
        assertEquals((long) (0.8 * 1000), HostArrays.defaultSpillThresholdBytes(1000));
    }

    private static long spillFiles(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(HostArrays.SPILL_PREFIX)).count();
        }
    }

    @Test
    void resultsAboveTheThresholdSpillToAFileThatCloseDeletes() throws Exception {
        Path managerDir = Files.createDirectories(tmp.resolve("manager"));
        Path ownerDir = Files.createDirectories(tmp.resolve("owner"));
        try (JvmRuntime jvm = new JvmRuntime(Bytes.GiB);
             MemoryManager mm = MemoryManager.builder(jvm).hostSpillThresholdBytes(4096).spillDirectory(managerDir).build()) {
            Object plain = new Object();
            mm.register(plain, OwnerSettings.defaults());
            Object special = new Object();
            mm.register(special, OwnerSettings.builder().name("special").streamGroup("g2").hostSpillThresholdBytes(100_000)
                    .spillDirectory(ownerDir).build());

            try (HostArray small = mm.newHostArray(plain, ElementType.FLOAT64, 8, 64)) { // 4096 B: at the threshold
                assertEquals(HostArrayKind.PAGEABLE, small.kind());
                assertFalse(small.spillFile().isPresent());
            }
            HostArray big = mm.newHostArray(plain, ElementType.FLOAT64, 8, 65); // 4160 B
            assertEquals(HostArrayKind.MAPPED, big.kind());
            Path file = big.spillFile().orElseThrow();
            assertEquals(managerDir, file.getParent());
            assertTrue(file.getFileName().toString().startsWith("tornado-batch-spill-"));
            big.segment().setAtIndex(ValueLayout.JAVA_DOUBLE, 519, 42.5);
            assertEquals(42.5, big.segment().getAtIndex(ValueLayout.JAVA_DOUBLE, 519));
            assertEquals(4160, Files.size(file));
            big.close();
            assertFalse(Files.exists(file), "closing deletes the spill file");
            big.close(); // idempotent

            try (HostArray own = mm.newHostArray(special, ElementType.FLOAT64, 8, 65)) {
                assertEquals(HostArrayKind.PAGEABLE, own.kind(), "the owner's threshold wins");
            }
            try (HostArray own = mm.newHostArray(special, ElementType.FLOAT64, new long[] {8, 65}, HostArrayKind.MAPPED)) {
                assertEquals(ownerDir, own.spillFile().orElseThrow().getParent(), "the owner's directory wins");
            }
            assertEquals(0, spillFiles(managerDir));
            assertEquals(0, spillFiles(ownerDir));
        }
    }

    @Test
    void aSpillThatCannotBeWrittenIsAnErrorNamingTheNumbers() {
        try (JvmRuntime jvm = new JvmRuntime(Bytes.GiB)) {
            HostArrays arrays = new HostArrays(jvm);
            TornadoBatchException e = assertThrows(TornadoBatchException.class,
                    () -> arrays.create(ElementType.FLOAT64, new long[] {1L << 57}, HostArrayKind.MAPPED, tmp));
            assertTrue(e.getMessage().startsWith("cannot spill 1024.0 PiB"), e.getMessage());
            assertThrows(TornadoBatchException.class,
                    () -> arrays.create(ElementType.FLOAT64, new long[] {8}, HostArrayKind.MAPPED, tmp.resolve("missing")));
            assertThrows(IllegalArgumentException.class, () -> OwnerSettings.builder().spillDirectory(tmp.resolve("missing")));
        }
    }

    @Test
    void stagedCopiesRoundTripThroughABoundedPool() {
        try (JvmRuntime jvm = new JvmRuntime(Bytes.GiB);
             StagingPool pool = new StagingPool(jvm, 1000, 2)) {
            long n = 10_007 * 8;
            MemorySegment src = MemorySegment.ofArray(new double[10_007]);
            for (int i = 0; i < 10_007; i++) {
                src.setAtIndex(ValueLayout.JAVA_DOUBLE, i, i * 0.5);
            }
            DeviceBuffer dev = jvm.allocate(n + 16);
            DeviceStream stream = jvm.newStream();
            pool.toDevice(src, dev, 16, stream);
            MemorySegment back = MemorySegment.ofArray(new double[10_007]);
            pool.toHost(dev, 16, back, stream);
            assertEquals(-1, src.mismatch(back));
            assertEquals(2, pool.blocksCreated(), "never more than the bound");
            assertEquals(2 * ((n + 999) / 1000), pool.blocksUsed());
            stream.close();
            jvm.free(dev);
        }
    }

    @Test
    void theManagerStagesPageableCopies() {
        try (JvmRuntime jvm = new JvmRuntime(Bytes.GiB);
             MemoryManager mm = MemoryManager.builder(jvm).staging(4096, 2).build()) {
            Object owner = new Object();
            mm.register(owner, OwnerSettings.defaults());
            MemorySegment src = MemorySegment.ofArray(new long[5000]);
            for (int i = 0; i < 5000; i++) {
                src.setAtIndex(ValueLayout.JAVA_LONG, i, 31L * i);
            }
            DeviceBuffer dev = jvm.allocate(40_000);
            mm.copyToDevice(owner, src, false, dev, 0);
            MemorySegment back = MemorySegment.ofArray(new long[5000]);
            mm.copyToHost(owner, dev, 0, back);
            assertEquals(-1, src.mismatch(back));
            assertEquals(2, mm.staging().blocksCreated());
            jvm.free(dev);
        }
    }
}
