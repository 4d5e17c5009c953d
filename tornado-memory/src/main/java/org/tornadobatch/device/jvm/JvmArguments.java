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

    public int int32(String name) {
        return args.int32(name);
    }

    public long int64(String name) {
        return args.int64(name);
    }

    public float float32(String name) {
        return args.float32(name);
    }

    public double float64(String name) {
        return args.float64(name);
    }

    public double[] vector(String name) {
        return args.vector(name);
    }
}
