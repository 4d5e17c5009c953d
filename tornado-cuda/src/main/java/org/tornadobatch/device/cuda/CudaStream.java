package org.tornadobatch.device.cuda;

import java.lang.foreign.MemorySegment;

import org.tornadobatch.device.DeviceEvent;
import org.tornadobatch.device.DeviceStream;

/** A CUstream (created non-blocking, so it never waits on the legacy default stream). */
final class CudaStream implements DeviceStream {
    private final CudaRuntime rt;
    private final MemorySegment stream;
    private volatile boolean closed;

    CudaStream(CudaRuntime rt, MemorySegment stream) {
        this.rt = rt;
        this.stream = stream;
    }

    MemorySegment handle() {
        if (closed) {
            throw new IllegalStateException("the stream is closed");
        }
        return stream;
    }

    CudaRuntime owner() {
        return rt;
    }

    @Override
    public DeviceEvent record() {
        return rt.record(this, false);
    }

    @Override
    public void synchronize() {
        rt.synchronizeStream(handle());
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        rt.destroyStream(this, stream);
        closed = true;
    }
}
