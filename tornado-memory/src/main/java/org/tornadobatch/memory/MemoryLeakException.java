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
}
