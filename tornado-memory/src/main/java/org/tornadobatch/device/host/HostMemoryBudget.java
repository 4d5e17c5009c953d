package org.tornadobatch.device.host;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongFunction;

import org.tornadobatch.Bytes;
import org.tornadobatch.device.DeviceBuffer;
import org.tornadobatch.device.DeviceException;
import org.tornadobatch.device.MemoryInfo;
import org.tornadobatch.device.OutOfDeviceMemoryException;

/**
 * The device memory of a runtime whose "device memory" is host memory (jvm, tornadovm): buffers made by the
 * runtime, counted against a total, refused with {@link OutOfDeviceMemoryException} past it (or when the host
 * itself refuses), and freed once. Thread-safe.
 *
 * @param <B> the runtime's buffer type
 */
public final class HostMemoryBudget<B extends DeviceBuffer> {
    private final String device;
    private final long totalBytes;
    private final LongFunction<B> make;
    private final Consumer<B> release;
    private final AtomicLong allocated = new AtomicLong();
    private final Set<B> live = ConcurrentHashMap.newKeySet();

    /**
     * A budget of {@code totalBytes} for buffers made and released by the functions given.
     *
     * @param device     the device's name, for messages
     * @param totalBytes what the buffers may take together
     * @param make       makes a buffer of so many bytes
     * @param release    releases a buffer's memory
     */
    public HostMemoryBudget(String device, long totalBytes, LongFunction<B> make, Consumer<B> release) {
        this.device = device;
        this.totalBytes = Bytes.requireNonNegative("totalBytes", totalBytes);
        this.make = make;
        this.release = release;
    }

    /** What is free and what the buffers may take together. */
    public MemoryInfo info() {
        return new MemoryInfo(Math.max(0, totalBytes - allocated.get()), totalBytes);
    }

    /** What the buffers may take together, in bytes. */
    public long totalBytes() {
        return totalBytes;
    }

    /** Bytes held by live buffers. */
    public long allocatedBytes() {
        return allocated.get();
    }

    /** A new buffer of {@code bytes}, counted. */
    public B allocate(long bytes) {
        Bytes.requireNonNegative("bytes", bytes);
        long now;
        do {
            now = allocated.get();
            if (now + bytes > totalBytes) {
                throw new OutOfDeviceMemoryException(device, bytes, totalBytes - now);
            }
        } while (!allocated.compareAndSet(now, now + bytes));
        try {
            B b = make.apply(bytes);
            live.add(b);
            return b;
        } catch (OutOfMemoryError e) {
            allocated.addAndGet(-bytes);
            throw new OutOfDeviceMemoryException(device + " (the host refused: " + e.getMessage() + ")", bytes, totalBytes - allocated.get());
        }
    }

    /** Frees a live buffer; a buffer freed already (or not made here) is an error. */
    public void free(B b) {
        if (!live.remove(b)) {
            throw new DeviceException("free of a buffer of " + Bytes.exact(b.bytes()) + " that is not live on " + device + " (freed already?)");
        }
        release.accept(b);
        allocated.addAndGet(-b.bytes());
    }

    /** The live buffers. */
    public List<B> live() {
        return List.copyOf(live);
    }

    /** Frees every live buffer (the runtime's close). */
    public void freeAll() {
        live().forEach(b -> {
            if (live.remove(b)) {
                release.accept(b);
                allocated.addAndGet(-b.bytes());
            }
        });
    }
}
