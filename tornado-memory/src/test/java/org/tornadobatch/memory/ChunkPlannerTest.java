package org.tornadobatch.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tornadobatch.memory.ElementType.FLOAT64;
import static org.tornadobatch.memory.ElementType.INT32;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.tornadobatch.memory.MemoryLimitExceededException.Reason;

class ChunkPlannerTest {
    // 100 runs: state (10 x 3 x 100) f64 = 24,000 B chunkable; status (100) i32 = 400 B chunkable;
    // constants (50) f64 = 400 B unchunkable. C = 24,400, U = 400.
    private static Map<String, ArrayRequest> batch() {
        Map<String, ArrayRequest> m = new LinkedHashMap<>();
        m.put("state", ArrayRequest.of(FLOAT64, 10, 3, 100));
        m.put("status", ArrayRequest.of(INT32, 100));
        m.put("constants", ArrayRequest.unchunkable(FLOAT64, 50));
        return m;
    }

    private static final long C = 24_400;
    private static final long U = 400;

    @Test
    void fitsInOneChunkExactlyAtTheBoundary() {
        ChunkPlan p = ChunkPlanner.plan(batch(), C + U);
        assertEquals(1, p.chunks());
        assertEquals(100, p.chunkLength());
        assertEquals(C, p.chunkableBytes());
        assertEquals(U, p.unchunkableBytes());
        assertTrue(p.warnings().isEmpty());
    }

    @Test
    void oneByteLessSplitsAndTheLastChunkIsShort() {
        ChunkPlan p = ChunkPlanner.plan(batch(), C + U - 1);
        // floor(100 * (C - 1) / C) = 99 runs per chunk, so 2 chunks: 99 + 1.
        assertEquals(99, p.chunkLength());
        assertEquals(2, p.chunks());
        assertEquals(99, p.runsIn(0));
        assertEquals(1, p.runsIn(1));
        assertEquals(99, p.firstRun(1));
        assertThrows(IndexOutOfBoundsException.class, () -> p.runsIn(2));
    }

    @Test
    void chunkArithmeticFollowsTheFormula() {
        long available = U + C / 3; // room for a third of the runs
        ChunkPlan p = ChunkPlanner.plan(batch(), available);
        long expectedLength = 100 * (available - U) / C;
        assertEquals(expectedLength, p.chunkLength());
        assertEquals((100 + expectedLength - 1) / expectedLength, p.chunks());
        long sum = 0;
        for (long i = 0; i < p.chunks(); i++) {
            sum += p.runsIn(i);
        }
        assertEquals(100, sum);
        // Every chunk fits: the chunked arrays plus the unchunkable ones stay within what is available.
        long chunkBytes = batch().values().stream().mapToLong(r -> r.memory() == MemoryKind.DEVICE ? r.chunkedBytes(p.chunkLength()) : 0).sum();
        assertTrue(chunkBytes <= available, chunkBytes + " > " + available);
    }

    @Test
    void exactChunkBoundaries() {
        // 244 bytes per run: room for exactly 25 runs gives 4 chunks of 25, none short.
        ChunkPlan p = ChunkPlanner.plan(batch(), U + 25 * 244);
        assertEquals(25, p.chunkLength());
        assertEquals(4, p.chunks());
        assertEquals(25, p.runsIn(3));
    }

    @Test
    void nothingChunkableButTooBig() {
        Map<String, ArrayRequest> m = Map.of("a", ArrayRequest.unchunkable(FLOAT64, 100), "b", ArrayRequest.of(FLOAT64, 4, 1));
        MemoryLimitExceededException e = assertThrows(MemoryLimitExceededException.class, () -> ChunkPlanner.plan(m, 500));
        assertEquals(Reason.NOTHING_CHUNKABLE, e.reason());
        assertTrue(e.getMessage().contains("832 bytes"), e.getMessage());
        assertTrue(e.getMessage().contains("[a, b]"), e.getMessage());
        assertTrue(e.getMessage().contains("raise memProportion"), e.getMessage());
    }

    @Test
    void unchunkableArraysAloneDoNotFit() {
        MemoryLimitExceededException e = assertThrows(MemoryLimitExceededException.class, () -> ChunkPlanner.plan(batch(), U));
        assertEquals(Reason.UNCHUNKABLE_TOO_LARGE, e.reason());
        assertEquals(U, e.unchunkableBytes());
        assertEquals(U, e.availableBytes());
        assertTrue(e.getMessage().contains("[constants] alone need 400 bytes but only 400 bytes is available"), e.getMessage());
    }

    @Test
    void notEvenOneRunFits() {
        MemoryLimitExceededException e = assertThrows(MemoryLimitExceededException.class, () -> ChunkPlanner.plan(batch(), U + 243));
        assertEquals(Reason.NO_SINGLE_RUN_FITS, e.reason());
        assertTrue(e.getMessage().contains("one run needs 244 bytes"), e.getMessage());
        assertEquals(1, ChunkPlanner.plan(batch(), U + 244).chunkLength());
    }

    @Test
    void warnsWhenTheRequestExceedsAvailableByMoreThan20x() {
        long total = C + U;
        long atTwenty = total / 20; // total / available >= 20 but (integer) not more
        assertTrue(ChunkPlanner.plan(batch(), (total + 19) / 20).warnings().isEmpty());
        ChunkPlan p = ChunkPlanner.plan(batch(), atTwenty - 1);
        assertEquals(1, p.warnings().size());
        assertTrue(p.warnings().get(0).contains("more than 20x"), p.warnings().get(0));
    }

    @Test
    void pinnedArraysDoNotCountAgainstDeviceMemory() {
        Map<String, ArrayRequest> m = new LinkedHashMap<>(batch());
        m.put("staging", ArrayRequest.of(FLOAT64, 1000, 100).withMemory(MemoryKind.PINNED));
        assertEquals(1, ChunkPlanner.plan(m, C + U).chunks());
    }

    @Test
    void chunkableArraysMustAgreeOnRuns() {
        Map<String, ArrayRequest> m = Map.of("a", ArrayRequest.of(FLOAT64, 3, 100), "b", ArrayRequest.of(FLOAT64, 3, 99));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ChunkPlanner.plan(m, 10));
        assertTrue(e.getMessage().contains("all chunkable arrays of one batch index the same runs"), e.getMessage());
    }

    @Test
    void hugeBatchesDoNotOverflow() {
        // 2^30 runs of 1 KiB each: C = 2^40; 2^36 available -> chunks of 2^26 runs.
        Map<String, ArrayRequest> m = Map.of("s", ArrayRequest.of(FLOAT64, 128, 1L << 30));
        ChunkPlan p = ChunkPlanner.plan(m, 1L << 36);
        assertEquals(1L << 26, p.chunkLength());
        assertEquals(16, p.chunks());
    }

    @Test
    void theTwentyTimesWarningIsLoggedAndNamedWhenPlanningThenFails() {
        // Issue 24: the warning was built, then lost when the plan failed.
        ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(ChunkPlanner.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> seen = new ch.qos.logback.core.read.ListAppender<>();
        seen.start();
        log.addAppender(seen);
        try {
            // 244 bytes per run beside 400 unchunkable: with 500 available not one run fits, and 24,800 > 20 x 500.
            MemoryLimitExceededException e = assertThrows(MemoryLimitExceededException.class, () -> ChunkPlanner.plan(batch(), 500));
            assertEquals(Reason.NO_SINGLE_RUN_FITS, e.reason());
            assertTrue(e.getMessage().contains("exceeds the 500 B available by more than 20x"), e.getMessage());
            assertTrue(seen.list.stream().anyMatch(ev -> ev.getLevel() == ch.qos.logback.classic.Level.WARN
                    && ev.getFormattedMessage().contains("more than 20x")), "logged before failing: " + seen.list);
        } finally {
            log.detachAppender(seen);
        }
    }
}
