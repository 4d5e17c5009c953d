package org.tornadobatch.memory.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;

/** Filling a segment with one value, checked element by element against the value. */
class HostCopyTest {
    @Test
    void repeatFirstFillsEveryElementWithTheFirst() {
        // Sizes below one piece, at it and past it (the parallel part), and not a power of two.
        for (long elements : new long[] {1, 2, 3, 1000, (2L << 20) / 8, (2L << 20) / 8 + 1, 3 * (2L << 20) / 8 + 5, (9L << 20) / 4 + 7}) {
            for (int bytes : new int[] {4, 8}) {
                try (Arena a = Arena.ofShared()) {
                    MemorySegment m = a.allocate(elements * bytes + 16, 8);
                    m.fill((byte) 0x55);
                    MemorySegment dst = m.asSlice(8, elements * bytes);
                    if (bytes == 8) {
                        dst.setAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, 0, -2.75);
                    } else {
                        dst.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, 0, 1.5f);
                    }
                    HostCopy.repeatFirst(dst, bytes);
                    for (long i = 0; i < elements; i++) {
                        double v = bytes == 8 ? dst.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, i) : dst.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i);
                        assertEquals(bytes == 8 ? -2.75 : 1.5, v, elements + " x " + bytes + " bytes, element " + i);
                    }
                    assertEquals(0x5555555555555555L, m.get(ValueLayout.JAVA_LONG_UNALIGNED, 0), "nothing before it");
                    assertEquals(0x5555555555555555L, m.get(ValueLayout.JAVA_LONG_UNALIGNED, 8 + elements * bytes), "nothing after it");
                }
            }
        }
        try (Arena a = Arena.ofConfined()) {
            assertThrows(IllegalArgumentException.class, () -> HostCopy.repeatFirst(a.allocate(12), 8));
        }
    }
}
