package org.tornadobatch.memory;

import java.util.Locale;

/** How device memory is obtained. */
public enum AllocatorKind {
    /** Allocate per solve, free afterwards. */
    DEFAULT,
    /** A caching pool that recycles freed blocks between solves (synchronous). */
    POOLED,
    /** Stream-ordered allocation and free (on CUDA, the driver's memory pools). */
    ASYNC;

    /** From a name as users write it: {@code default}, {@code pooled}, {@code async}. */
    public static AllocatorKind of(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("allocator: " + name + " (expected: default, pooled or async)");
        }
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
