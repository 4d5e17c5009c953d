package org.tornadobatch.device.host;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.tornadobatch.device.DeviceEvent;
import org.tornadobatch.device.DeviceException;
import org.tornadobatch.device.DeviceStream;

/**
 * A stream on the host: an ordered lane of tasks run by one daemon thread. A task that fails marks the lane
 * failed; the next {@link DeviceEvent#synchronize()} rethrows that failure once.
 */
public final class LaneStream implements DeviceStream {
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final ExecutorService lane;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);
    private volatile boolean closed;

    /** A lane whose thread lives until {@link #close()} (for runtimes whose device work is tied to a thread). */
    public LaneStream(String owner) {
        this(owner, false);
    }

    /**
     * A lane; with {@code endWhenIdle} its thread ends after {@link org.tornadobatch.HostThreads#IDLE_SECONDS} idle
     * and a new one takes the next task (the jvm and simulated runtimes, whose work has no thread affinity).
     */
    public LaneStream(String owner, boolean endWhenIdle) {
        String name = "tornado-batch-" + owner + "-lane-" + COUNTER.incrementAndGet();
        this.lane = endWhenIdle ? org.tornadobatch.HostThreads.single(name) : java.util.concurrent.Executors.newSingleThreadExecutor(
                org.tornadobatch.HostThreads.daemons(name));
    }

    /** Queues {@code task}; it runs after everything queued before it. */
    public synchronized void submit(Runnable task) {
        if (closed) {
            throw new IllegalStateException("stream is closed");
        }
        tail = CompletableFuture.runAsync(() -> {
            try {
                task.run();
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        }, lane);
    }

    @Override
    public DeviceEvent record() {
        CompletableFuture<Void> mark = tail;
        return new DeviceEvent() {
            @Override
            public boolean isComplete() {
                return mark.isDone();
            }

            @Override
            public void synchronize() {
                try {
                    mark.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new DeviceException("interrupted while waiting for a stream", e);
                } catch (ExecutionException e) {
                    throw new DeviceException("stream work failed: " + e.getCause(), e.getCause());
                }
                Throwable f = failure.getAndSet(null);
                if (f != null) {
                    throw new DeviceException("stream work failed: " + f, f);
                }
            }
        };
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        tail.join();
        lane.shutdown();
    }
}
