package org.tornadobatch.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tornadobatch.memory.ElementType.FLOAT32;
import static org.tornadobatch.memory.ElementType.FLOAT64;
import static org.tornadobatch.memory.ElementType.INT32;

import java.util.OptionalInt;

import org.junit.jupiter.api.Test;

class ArrayRequestTest {

    @Test
    void ofTakesTheLastAxisAsTheRunAxis() {
        ArrayRequest r = ArrayRequest.of(FLOAT64, 101, 3, 1000);
        assertEquals(OptionalInt.of(2), r.chunkAxis());
        assertEquals(1000, r.totalRuns());
        assertEquals(101L * 3 * 1000 * 8, r.bytes());
        assertTrue(r.isChunkable());
        assertArrayEquals(new long[] {101, 3, 250}, r.chunkedShape(250));
        assertEquals(101L * 3 * 250 * 8, r.chunkedBytes(250));
    }

    @Test
    void shapeIsCopiedInAndOut() {
        long[] shape = {4, 10};
        ArrayRequest r = ArrayRequest.of(FLOAT32, shape);
        shape[0] = 99;
        assertArrayEquals(new long[] {4, 10}, r.shape());
        r.shape()[0] = 77;
        assertArrayEquals(new long[] {4, 10}, r.shape());
        assertEquals(ArrayRequest.of(FLOAT32, 4, 10), r);
    }

    @Test
    void badValuesAreRejectedWithNameValueAndExpectation() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ArrayRequest.of(FLOAT64, 3, 0, 5));
        assertEquals("shape[1]: 0 (expected: >= 1) in shape [3, 0, 5]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new ArrayRequest(FLOAT64, new long[] {3, 5}, MemoryKind.DEVICE, OptionalInt.of(2), false, 5));
        assertEquals("chunkAxis: 2 (expected: 0..1 for shape [3, 5], or none)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new ArrayRequest(FLOAT64, new long[] {3, 5}, MemoryKind.DEVICE, OptionalInt.of(-1), false, 5));
        assertTrue(e.getMessage().startsWith("chunkAxis: -1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ArrayRequest.of(INT32, 5).withTotalRuns(0));
        assertTrue(e.getMessage().startsWith("totalRuns: 0 (expected: >= 1)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ArrayRequest.of(INT32, 3, 5).withTotalRuns(6));
        assertEquals("shape[1]: 5 (expected: totalRuns 6 on the chunk axis, or 1; or mark the array unchunkable)", e.getMessage());
        assertThrows(ArithmeticException.class, () -> ArrayRequest.of(FLOAT64, Long.MAX_VALUE / 4, 4));
    }

    @Test
    void chunkabilityEdgeCases() {
        assertFalse(ArrayRequest.of(FLOAT64).isChunkable(), "rank 0");
        assertFalse(ArrayRequest.of(FLOAT64, 3, 1).isChunkable(), "extent 1 on the run axis (a one-run batch)");
        assertFalse(ArrayRequest.of(FLOAT64, 3, 8).withoutChunkAxis().isChunkable(), "no chunk axis");
        assertFalse(ArrayRequest.of(FLOAT64, 3, 8).withUnchunkable(true).isChunkable(), "flagged");
        assertFalse(ArrayRequest.unchunkable(FLOAT64, 3, 8).isChunkable());
        ArrayRequest axis0 = ArrayRequest.of(INT32, 8, 3).withChunkAxis(0);
        assertTrue(axis0.isChunkable());
        assertEquals(8, axis0.totalRuns());
        assertArrayEquals(new long[] {2, 3}, axis0.chunkedShape(2));
        assertArrayEquals(new long[] {3, 8}, ArrayRequest.unchunkable(FLOAT64, 3, 8).chunkedShape(2), "unchunkable keeps its shape");
        assertThrows(IllegalArgumentException.class, () -> ArrayRequest.of(INT32, 8, 3).withChunkAxis(2));
    }
}
