package org.tornadobatch.device.jvm;

import java.lang.foreign.MemorySegment;
import java.util.function.Function;

import org.tornadobatch.device.DeviceBuffer;
import org.tornadobatch.device.LaunchArguments;

/** A launch's arguments as a Java kernel reads them: buffers as the memory segments that hold them, scalars as they are. */
public final class JvmArguments {
    private final LaunchArguments args;
    private final Function<DeviceBuffer, MemorySegment> segments;

    JvmArguments(LaunchArguments args, Function<DeviceBuffer, MemorySegment> segments) {
        this.args = args;
        this.segments = segments;
    }

    /** The memory of buffer parameter {@code name}, or null when the buffer is absent. */
    public MemorySegment segment(String name) {
        DeviceBuffer b = args.buffer(name);
        return b == null ? null : segments.apply(b);
    }

    /** The int32 scalar {@code name}. */
    public int int32(String name) {
        return args.int32(name);
    }

    /** The int64 scalar {@code name}. */
    public long int64(String name) {
        return args.int64(name);
    }

    /** The float32 scalar {@code name}. */
    public float float32(String name) {
        return args.float32(name);
    }

    /** The float64 scalar {@code name}. */
    public double float64(String name) {
        return args.float64(name);
    }

    /** The vector {@code name} (one value per element, e.g. per state). */
    public double[] vector(String name) {
        return args.vector(name);
    }
}
