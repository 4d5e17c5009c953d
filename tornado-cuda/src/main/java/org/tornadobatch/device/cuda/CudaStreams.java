package org.tornadobatch.device.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.tornadobatch.device.DeviceEvent;

/** Non-blocking CUDA streams and events (timed ones for kernel times), their queries and waits. */
final class CudaStreams {
    private static final int CU_STREAM_NON_BLOCKING = 1;
    private static final int CU_EVENT_DISABLE_TIMING = 2;

    private final CudaRuntime owner;
    private final CudaContext c;
    private final CudaDriver d;
    private final Set<CudaStream> streams = ConcurrentHashMap.newKeySet();

    CudaStreams(CudaRuntime owner, CudaContext context) {
        this.owner = owner;
        this.c = context;
        this.d = context.d;
    }

    CudaStream create() {
        c.bind();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ADDRESS);
            d.check("cuStreamCreate", c.where, d.cuStreamCreate(p, CU_STREAM_NON_BLOCKING));
            CudaStream s = new CudaStream(owner, p.get(ADDRESS, 0));
            streams.add(s);
            return s;
        }
    }

    /** The streams not yet destroyed. */
    List<CudaStream> open() {
        return List.copyOf(streams);
    }

    void synchronize(MemorySegment stream) {
        c.bind();
        d.check("cuStreamSynchronize", c.where, d.cuStreamSynchronize(stream));
    }

    void destroy(CudaStream s, MemorySegment stream) {
        streams.remove(s);
        if (c.closed()) {
            return; // the context and its streams are gone
        }
        c.bind();
        d.check("cuStreamSynchronize", c.where, d.cuStreamSynchronize(stream));
        d.check("cuStreamDestroy_v2", c.where, d.cuStreamDestroy(stream));
    }

    DeviceEvent record(CudaStream stream, boolean timed) {
        c.bind();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ADDRESS);
            d.check("cuEventCreate", c.where, d.cuEventCreate(p, timed ? 0 : CU_EVENT_DISABLE_TIMING));
            MemorySegment ev = p.get(ADDRESS, 0);
            int status = d.cuEventRecord(ev, stream.handle());
            if (status != CudaDriver.CUDA_SUCCESS) {
                d.cuEventDestroy(ev);
                throw new CudaException("cuEventRecord", status, d.errorName(status), c.where);
            }
            return new CudaEvent(owner, ev, timed);
        }
    }

    /** Milliseconds between two timed events (cuEventElapsedTime), once both are complete; releases both. */
    double elapsedMillis(CudaEvent s, CudaEvent e) {
        s.synchronize();
        e.synchronize();
        c.bind();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ms = a.allocate(JAVA_FLOAT);
            if (d.has("cuEventElapsedTime_v2")) {
                d.check("cuEventElapsedTime_v2", c.where, d.cuEventElapsedTimeV2(ms, s.handle(), e.handle()));
            } else {
                d.check("cuEventElapsedTime", c.where, d.cuEventElapsedTime(ms, s.handle(), e.handle()));
            }
            return ms.get(JAVA_FLOAT, 0);
        } finally {
            s.release();
            e.release();
        }
    }

    boolean query(MemorySegment event) {
        c.bind();
        int status = d.cuEventQuery(event);
        if (status == CudaDriver.CUDA_SUCCESS) {
            return true;
        }
        if (status == CudaDriver.CUDA_ERROR_NOT_READY) {
            return false;
        }
        throw new CudaException("cuEventQuery", status, d.errorName(status), c.where, "the work before this event failed");
    }

    void synchronizeEvent(MemorySegment event) {
        c.bind();
        int status = d.cuEventSynchronize(event);
        if (status != CudaDriver.CUDA_SUCCESS) {
            throw new CudaException("cuEventSynchronize", status, d.errorName(status), c.where, "the work before this event failed");
        }
    }

    void destroyEvent(MemorySegment event) {
        if (c.closed()) {
            return; // destroyed with the context
        }
        c.bind();
        d.check("cuEventDestroy_v2", c.where, d.cuEventDestroy(event));
    }
}
