package org.tornadobatch.device.tornadovm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;

import org.tornadobatch.device.DeviceBuffer;

import uk.ac.manchester.tornado.api.types.arrays.DoubleArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.TornadoNativeArray;

/**
 * A device buffer of the tornadovm runtime: off-heap memory laid out as a TornadoVM array (its header, then the
 * data), which execution plans copy to and from the device. Copies "to the device" write the data here and
 * bump {@link #version()}; the plan that uses the buffer moves it. The TornadoVM array views (double, float or
 * int, as the kernel declares) are made once each, so plans see the same object every execution.
 */
final class TvmBuffer implements DeviceBuffer {
    private static final AtomicLong IDS = new AtomicLong();

    private final long bytes;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment whole;
    private final long id = IDS.incrementAndGet();
    private volatile long version;
    private final java.util.Map<Class<?>, TornadoNativeArray> views = new java.util.HashMap<>();
    private volatile boolean valid = true;

    TvmBuffer(long bytes) {
        this.bytes = bytes;
        this.whole = arena.allocate(TornadoNativeArray.ARRAY_HEADER + Math.max(bytes, 8), 64);
    }

    /** The data, without the header. */
    MemorySegment data() {
        return whole.asSlice(TornadoNativeArray.ARRAY_HEADER, bytes);
    }

    void written() {
        version++;
    }

    long version() {
        return version;
    }

    /**
     * The TornadoVM array over this memory, of the type a kernel parameter declares; one per type, made once (the
     * pooled allocator may hand a buffer that held ints in one solve to floats in the next).
     */
    synchronized TornadoNativeArray view(Class<?> type) {
        TornadoNativeArray v = views.get(type);
        if (v == null) {
            MemorySegment s = whole.asSlice(0, TornadoNativeArray.ARRAY_HEADER + bytes);
            if (type == DoubleArray.class) {
                v = DoubleArray.fromSegmentShallow(s);
            } else if (type == FloatArray.class) {
                v = FloatArray.fromSegmentShallow(s);
            } else if (type == IntArray.class) {
                v = IntArray.fromSegmentShallow(s);
            } else {
                throw new IllegalArgumentException("kernel parameter type " + type.getName()
                        + " (expected: DoubleArray, FloatArray or IntArray for a device buffer)");
            }
            views.put(type, v);
        }
        return v;
    }

    void release() {
        valid = false;
        arena.close();
    }

    @Override
    public long bytes() {
        return bytes;
    }

    @Override
    public long address() {
        return whole.address();
    }

    @Override
    public boolean isValid() {
        return valid;
    }

    @Override
    public String toString() {
        return "tornadovm buffer " + id + " (" + bytes + " bytes)";
    }
}
