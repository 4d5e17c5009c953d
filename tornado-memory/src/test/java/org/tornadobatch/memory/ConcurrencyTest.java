package org.tornadobatch.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tornadobatch.memory.ElementType.FLOAT64;
import static org.tornadobatch.memory.ElementType.INT32;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.tornadobatch.Bytes;
import org.tornadobatch.device.simulated.SimulatedRuntime;

/**
 * Eight solvers, each two owners in a stream group of its own, allocate and free from eight threads for a few
 * seconds on a small simulated device (so plans chunk and idle owners get evicted); at the end nothing is in
 * use and the counters agree.
 */
class ConcurrencyTest {
    private static final int THREADS = 8;
    private static final long MILLIS = 2500;

    @ParameterizedTest
    @EnumSource(AllocatorKind.class)
    void manyOwnersManyThreadsEndWithNothingInUse(AllocatorKind kind) throws InterruptedException {
        SimulatedRuntime device = SimulatedRuntime.of(8 * Bytes.MiB, 8 * Bytes.MiB);
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicLong rounds = new AtomicLong();
        AtomicLong chunked = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        try (MemoryManager mm = MemoryManager.builder(device).allocator(kind).build()) {
            // One solver per thread: its inputs and outputs managers share the solver's stream group.
            List<TestOwner> owners = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                owners.add(TestOwner.register(mm, "inputs-" + t, "solver-" + t));
                owners.add(TestOwner.register(mm, "outputs-" + t, "solver-" + t));
            }
            long end = System.nanoTime() + MILLIS * 1_000_000;
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                TestOwner inputs = owners.get(2 * t);
                TestOwner outputs = owners.get(2 * t + 1);
                threads.add(Thread.ofPlatform().name("stress-" + t).start(() -> {
                    ThreadLocalRandom rnd = ThreadLocalRandom.current();
                    while (System.nanoTime() < end) {
                        long runs = rnd.nextLong(1, 8000); // up to ~2 MB per solver on an 8 MiB device
                        try {
                            mm.beginWork(inputs);
                            mm.beginWork(outputs);
                            mm.queueRequest(inputs, Map.of("params", ArrayRequest.of(FLOAT64, 2, runs)));
                            mm.queueRequest(outputs, Map.of("state", ArrayRequest.of(FLOAT64, 10, 3, runs),
                                    "status", ArrayRequest.of(INT32, runs),
                                    "constants", ArrayRequest.unchunkable(FLOAT64, 64)));
                            ChunkPlan plan = mm.allocateQueue(outputs);
                            if (plan.isChunked()) {
                                chunked.incrementAndGet();
                            }
                            mm.endWork(inputs, mm.stream(inputs).record());
                            mm.endWork(outputs, mm.stream(outputs).record());
                            if (rnd.nextBoolean()) { // half the time keep the arrays for the next solve (evictable)
                                mm.freeAll(inputs);
                                mm.freeAll(outputs);
                            }
                            rounds.incrementAndGet();
                        } catch (MemoryLimitExceededException e) {
                            refused.incrementAndGet(); // a legitimate answer when others hold the memory
                            mm.endWork(inputs, org.tornadobatch.device.DeviceEvent.COMPLETE);
                            mm.endWork(outputs, org.tornadobatch.device.DeviceEvent.COMPLETE);
                        } catch (Throwable e) {
                            failures.add(e);
                            return;
                        }
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            assertTrue(failures.isEmpty(), () -> "failures: " + failures);
            for (TestOwner o : owners) {
                mm.freeAll(o);
                mm.stream(o).synchronize();
            }
            assertEquals(0, mm.allocatedBytes());
            for (int g = 0; g < THREADS; g++) {
                assertEquals(0, mm.allocatedBytesInGroup("solver-" + g));
            }
            PoolStats stats = mm.poolStats();
            assertEquals(0, stats.bytesInUse(), stats::toString);
            assertEquals(stats.bytesCached(), device.allocatedBytes(), "the device holds exactly the pool's cache");
            mm.trimPool();
            assertEquals(0, device.allocatedBytes());
            assertEquals(0, device.liveBuffers());
            assertEquals(device.allocationCount(), device.freeCount());
            assertTrue(rounds.get() > 100, "rounds: " + rounds);
            assertTrue(mm.plans() > 0);
            System.out.printf("concurrency %s: %d rounds, %d chunked, %d refused, %d evictions, %d plans%n", kind, rounds.get(),
                    chunked.get(), refused.get(), mm.evictions(), mm.plans());
        }
    }
}
