package org.tornadobatch.device.simulated;

import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.tornadobatch.Bytes;
import org.tornadobatch.device.DeviceBuffer;
import org.tornadobatch.device.DeviceException;
import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.device.DeviceStream;
import org.tornadobatch.device.HostBuffer;
import org.tornadobatch.device.HostMemoryKind;
import org.tornadobatch.device.MemoryInfo;
import org.tornadobatch.device.OutOfDeviceMemoryException;
import org.tornadobatch.device.UnsupportedFeatureException;
import org.tornadobatch.device.host.LaneStream;
import org.tornadobatch.device.host.OffHeapHostBuffer;

/**
 * A device for tests: its total and free memory are whatever the test sets, device buffers are accounted but
 * have no backing memory (so a test can plan for 80 GiB on a laptop), and copies only check their bounds.
 * Free memory is {@code total - allocated - external}; {@link #setFreeBytes} adjusts the "external" use
 * (another process on the same GPU).
 */
public final class SimulatedRuntime implements DeviceRuntime {
    private final AtomicLong nextAddress = new AtomicLong(0x1000);
    private final Map<Long, SimBuffer> live = new ConcurrentHashMap<>();
    private final boolean streamOrdered;
    private long totalBytes;
    private long externalBytes;
    private long allocatedBytes;
    private long allocationCount;
    private long freeCount;

    private SimulatedRuntime(long totalBytes, long freeBytes, boolean streamOrdered) {
        this.totalBytes = Bytes.requirePositive("totalBytes", totalBytes);
        this.streamOrdered = streamOrdered;
        setFreeBytes(freeBytes);
    }

    /** A device with {@code totalBytes} memory of which {@code freeBytes} is free. */
    public static SimulatedRuntime of(long totalBytes, long freeBytes) {
        return new SimulatedRuntime(totalBytes, freeBytes, true);
    }

    /** The same device without stream-ordered allocation (to test runtimes that cannot offer {@code async}). */
    public static SimulatedRuntime withoutStreamOrderedAllocation(long totalBytes, long freeBytes) {
        return new SimulatedRuntime(totalBytes, freeBytes, false);
    }

    /** Sets what is free now, keeping our own allocations: the rest counts as used by someone else. */
    public synchronized void setFreeBytes(long freeBytes) {
        Bytes.requireNonNegative("freeBytes", freeBytes);
        long external = totalBytes - allocatedBytes - freeBytes;
        if (external < 0) {
            throw new IllegalArgumentException("freeBytes: " + freeBytes + " (expected: <= " + (totalBytes - allocatedBytes)
                    + ", the total less what is allocated)");
        }
        this.externalBytes = external;
    }

    /** Changes the total, keeping the external use. */
    public synchronized void setTotalBytes(long totalBytes) {
        Bytes.requirePositive("totalBytes", totalBytes);
        if (totalBytes < allocatedBytes + externalBytes) {
            throw new IllegalArgumentException("totalBytes: " + totalBytes + " (expected: >= " + (allocatedBytes + externalBytes)
                    + ", what is in use)");
        }
        this.totalBytes = totalBytes;
    }

    /** The bytes of device buffers allocated now. */
    public synchronized long allocatedBytes() {
        return allocatedBytes;
    }

    /** Number of successful device allocations so far. */
    public synchronized long allocationCount() {
        return allocationCount;
    }

    /** Number of device frees so far. */
    public synchronized long freeCount() {
        return freeCount;
    }

    /** The device buffers allocated and not yet freed. */
    public int liveBuffers() {
        return live.size();
    }

    @Override
    public String name() {
        return "simulated";
    }

    @Override
    public String deviceName() {
        return "simulated device";
    }

    @Override
    public synchronized MemoryInfo memoryInfo() {
        return new MemoryInfo(totalBytes - allocatedBytes - externalBytes, totalBytes);
    }

    @Override
    public synchronized DeviceBuffer allocate(long bytes) {
        Bytes.requireNonNegative("bytes", bytes);
        long free = totalBytes - allocatedBytes - externalBytes;
        if (bytes > free) {
            throw new OutOfDeviceMemoryException(deviceName(), bytes, free);
        }
        allocatedBytes += bytes;
        allocationCount++;
        SimBuffer b = new SimBuffer(nextAddress.getAndAdd(Math.max(bytes, 1) + 256), bytes);
        live.put(b.address, b);
        return b;
    }

    @Override
    public synchronized void free(DeviceBuffer buffer) {
        if (!(buffer instanceof SimBuffer b) || live.remove(b.address) == null) {
            throw new DeviceException("free of a buffer that is not live on the simulated device: " + buffer);
        }
        b.valid = false;
        allocatedBytes -= b.bytes;
        freeCount++;
    }

    @Override
    public boolean supportsStreamOrderedAllocation() {
        return streamOrdered;
    }

    @Override
    public DeviceBuffer allocateAsync(long bytes, DeviceStream stream) {
        requireStreamOrdered();
        return allocate(bytes);
    }

    @Override
    public void freeAsync(DeviceBuffer buffer, DeviceStream stream) {
        requireStreamOrdered();
        ((LaneStream) stream).submit(() -> free(buffer));
    }

    private void requireStreamOrdered() {
        if (!streamOrdered) {
            throw new UnsupportedFeatureException(name(), "stream-ordered allocation (the async allocator)",
                    "choose the default or pooled allocator");
        }
    }

    @Override
    public HostBuffer allocateHost(long bytes, HostMemoryKind kind) {
        return new OffHeapHostBuffer(bytes, kind);
    }

    @Override
    public DeviceStream newStream() {
        return new LaneStream("simulated", true);
    }

    @Override
    public void copyToDevice(MemorySegment source, DeviceBuffer target, long targetOffset, DeviceStream stream) {
        checkCopy(target, targetOffset, source.byteSize());
        ((LaneStream) stream).submit(() -> { });
    }

    @Override
    public void copyToHost(DeviceBuffer source, long sourceOffset, MemorySegment target, DeviceStream stream) {
        checkCopy(source, sourceOffset, target.byteSize());
        ((LaneStream) stream).submit(() -> { });
    }

    private static void checkCopy(DeviceBuffer b, long offset, long length) {
        if (!b.isValid()) {
            throw new DeviceException("copy with a freed buffer: " + b);
        }
        DeviceBuffer.checkRange(offset, length, b.bytes());
    }

    @Override
    public void synchronize() {
    }

    @Override
    public void close() {
    }

    private static final class SimBuffer implements DeviceBuffer {
        final long address;
        final long bytes;
        volatile boolean valid = true;

        SimBuffer(long address, long bytes) {
            this.address = address;
            this.bytes = bytes;
        }

        @Override
        public long bytes() {
            return bytes;
        }

        @Override
        public long address() {
            return address;
        }

        @Override
        public boolean isValid() {
            return valid;
        }

        @Override
        public String toString() {
            return "SimBuffer[0x" + Long.toHexString(address) + ", " + bytes + " bytes]";
        }
    }
}
