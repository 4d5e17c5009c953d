package org.tornadobatch.device.cuda;

import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;

import org.tornadobatch.device.DeviceEvent;

/**
 * A CUevent recorded on a stream. The native event is destroyed once it is seen complete (or when the Java
 * object is collected); a complete event stays complete.
 */
final class CudaEvent implements DeviceEvent {
    private static final Cleaner CLEANER = Cleaner.create();

    private final CudaRuntime rt;
    private final Handle handle;
    private final Cleaner.Cleanable cleanable;
    private final boolean timed;
    private volatile boolean complete;

    /** Owns the native handle, so the cleaner can destroy it without reaching the event. */
    private record Handle(CudaRuntime rt, MemorySegment event) implements Runnable {
        @Override
        public void run() {
            rt.destroyEvent(event);
        }
    }

    CudaEvent(CudaRuntime rt, MemorySegment event, boolean timed) {
        this.rt = rt;
        this.handle = new Handle(rt, event);
        this.timed = timed;
        // Timed events are kept until collected, so that elapsed times can be read after completion.
        this.cleanable = CLEANER.register(this, handle);
    }

    MemorySegment handle() {
        return handle.event();
    }

    @Override
    public synchronized boolean isComplete() {
        if (complete) {
            return true;
        }
        if (rt.queryEvent(handle.event())) {
            completed();
            return true;
        }
        return false;
    }

    @Override
    public synchronized void synchronize() {
        if (complete) {
            return;
        }
        rt.synchronizeEvent(handle.event());
        completed();
    }

    private void completed() {
        complete = true;
        if (!timed) {
            cleanable.clean();
        }
    }

    /** Destroys a timed event now rather than when it is collected. */
    synchronized void release() {
        complete = true;
        cleanable.clean();
    }
}
