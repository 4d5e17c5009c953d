package org.tornadobatch;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads of tornado-batch: daemons named {@code tornado-batch-...} that end after {@link #IDLE_SECONDS} of
 * idleness, so that a program (or {@code mvn exec:java}, which waits for every thread it started) ends soon after
 * its last solve, whether or not it closed the default memory manager. Host-side parallel loops (gathers,
 * scatters, copies, counts) run on {@link #parallel}'s pool instead of the JVM's common pool, whose idle
 * threads live on for a minute.
 */
public final class HostThreads {
    /** How long an idle thread of ours lives. */
    public static final long IDLE_SECONDS = 2;

    private static final ForkJoinPool HOST = forkJoin("tornado-batch-host", Runtime.getRuntime().availableProcessors());

    private HostThreads() {
    }

    /** Daemon threads named {@code name-N}. */
    public static ThreadFactory daemons(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** A fork-join pool of {@code parallelism} daemon workers named {@code name-N} that end when idle. */
    public static ForkJoinPool forkJoin(String name, int parallelism) {
        AtomicInteger n = new AtomicInteger();
        ForkJoinPool.ForkJoinWorkerThreadFactory factory = pool -> {
            var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
            t.setName(name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        return new ForkJoinPool(parallelism, factory, null, false, 0, parallelism + 256, 1, null, IDLE_SECONDS, TimeUnit.SECONDS);
    }

    /** One thread that runs tasks in order and ends when idle (a new one starts for the next task). */
    public static ExecutorService single(String name) {
        ThreadPoolExecutor e = new ThreadPoolExecutor(1, 1, IDLE_SECONDS, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), daemons(name));
        e.allowCoreThreadTimeOut(true);
        return e;
    }

    /** As many threads as tasks at once, each ending when idle. */
    public static ExecutorService cached(String name) {
        return new ThreadPoolExecutor(0, Integer.MAX_VALUE, IDLE_SECONDS, TimeUnit.SECONDS, new SynchronousQueue<>(), daemons(name));
    }

    /** Runs {@code loop} (a parallel stream, say) with its parallel work on the host pool. */
    public static void parallel(Runnable loop) {
        HOST.invoke(ForkJoinTask.adapt(loop));
    }

    /** Computes {@code loop} with its parallel work on the host pool. */
    public static <T> T parallel(java.util.concurrent.Callable<T> loop) {
        return HOST.invoke(ForkJoinTask.adapt(loop));
    }
}
