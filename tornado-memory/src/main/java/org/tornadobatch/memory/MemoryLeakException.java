package org.tornadobatch.memory;

import java.util.List;

import org.tornadobatch.TornadoBatchException;

/** Thrown by {@link MemoryManager#close()} when arrays were still allocated; they have been freed. */
public class MemoryLeakException extends TornadoBatchException {
    private static final long serialVersionUID = 1L;
    private final transient List<MemoryManager.Leak> leaks;

    /** The owners that still held memory, each with what it held. */
    public MemoryLeakException(List<MemoryManager.Leak> leaks) {
        super("memory manager closed with " + leaks.size() + " array(s) still allocated (freed now): "
                + String.join("; ", leaks.stream().map(MemoryManager.Leak::toString).toList())
                + "; free arrays (or unregister their owners) before closing the manager");
        this.leaks = List.copyOf(leaks);
    }

    /** The owners that still held memory, each with what it held. */
    public List<MemoryManager.Leak> leaks() {
        return leaks;
    }

    /**
     * The end of a manager's teardown that found {@code leaks} and may have failed with {@code first}: throws this
     * exception for the leaks (logged as the manager's warning, {@code first} suppressed in it), else {@code first}.
     */
    static void throwAfterTeardown(List<MemoryManager.Leak> leaks, RuntimeException first) {
        if (!leaks.isEmpty()) {
            MemoryLeakException leak = new MemoryLeakException(leaks);
            org.slf4j.LoggerFactory.getLogger(MemoryManager.class).warn("memory: {}", leak.getMessage());
            if (first != null) {
                leak.addSuppressed(first);
            }
            throw leak;
        }
        if (first != null) {
            throw first;
        }
    }
}
