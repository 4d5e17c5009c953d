package org.tornadobatch.memory;

import java.util.Arrays;

import org.tornadobatch.device.DeviceBuffer;
import org.tornadobatch.device.HostBuffer;

/**
 * One allocated array: its label, request, allocated (chunked) shape, and the buffer: a device buffer for
 * {@link MemoryKind#DEVICE} requests, a pinned host buffer for {@link MemoryKind#PINNED} ones.
 */
public final class Allocation {
    private final String label;
    private final ArrayRequest request;
    private final long[] shape;
    private final DeviceBuffer device;
    private final HostBuffer host;

    Allocation(String label, ArrayRequest request, long[] shape, DeviceBuffer device, HostBuffer host) {
        this.label = label;
        this.request = request;
        this.shape = shape.clone();
        this.device = device;
        this.host = host;
    }

    /** The request's label, which names the array in the owner's request map. */
    public String label() {
        return label;
    }

    /** The request this array was allocated for. */
    public ArrayRequest request() {
        return request;
    }

    /** The allocated shape: the request's, with the run axis cut to the chunk length where it is chunked. */
    public long[] shape() {
        return shape.clone();
    }

    /** The array's size in bytes (of one chunk, where it is chunked). */
    public long bytes() {
        return device != null ? device.bytes() : host.bytes();
    }

    /** Where the array lives: device memory or pinned host memory. */
    public MemoryKind kind() {
        return device != null ? MemoryKind.DEVICE : MemoryKind.PINNED;
    }

    /** The device buffer. */
    public DeviceBuffer device() {
        if (device == null) {
            throw new IllegalStateException("'" + label + "' is pinned host memory; use host()");
        }
        return device;
    }

    /** The pinned host buffer. */
    public HostBuffer host() {
        if (host == null) {
            throw new IllegalStateException("'" + label + "' is device memory; use device()");
        }
        return host;
    }

    @Override
    public String toString() {
        return label + " " + Arrays.toString(shape) + " " + kind();
    }
}
