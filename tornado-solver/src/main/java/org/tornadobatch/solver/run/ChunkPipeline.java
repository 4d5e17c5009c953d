package org.tornadobatch.solver.run;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.LongFunction;
import java.util.stream.IntStream;

import org.tornadobatch.FirstFailure;
import org.tornadobatch.device.DeviceBuffer;
import org.tornadobatch.device.DeviceEvent;
import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.device.DeviceStream;
import org.tornadobatch.device.Rows;
import org.tornadobatch.memory.ElementType;
import org.tornadobatch.memory.host.HostCopy;
import org.tornadobatch.solver.RunColumn;

/**
 * Moves a chunk of runs through the device in slices. Each slice's inputs are gathered from the batch into a
 * pinned slot, copied to the slice's columns of the device arrays, integrated by one launch, and copied back
 * into the slot, all queued on the slot's stream; later the slot is scattered into the result arrays. With
 * three slots on three streams, on a runtime whose copies overlap kernels, one slice is uploaded while the one
 * before runs and the one before that comes back, and the host gathers and scatters meanwhile. Elsewhere a
 * chunk is one slice on the solver's stream; where the device arrays' memory is the host's to address
 * ({@link DeviceRuntime#hostView}: tornadovm), that slice is gathered straight into them and scattered straight
 * from them, without staging.
 *
 * <p>A slot is gathered into only after its previous slice was scattered, and the device columns of a slice are
 * reused only by the next chunk, after every slice of this one has been waited for.
 */
public final class ChunkPipeline {
    /** System property: slices per chunk (default: up to 8 of at least 2^18 runs where copies overlap kernels, else 1). */
    public static final String SLICES_PROPERTY = "tornadobatch.slices";
    private static final long MIN_SLICE_RUNS = 1L << 18;
    private static final int MAX_SLICES = 8;
    private static final int SLOTS = 3;

    /** Device rows filled from the batch's columns (a value per run, listed or computed; or one value every run shares). */
    record Input(DeviceBuffer device, List<RunColumn> rows) {
    }

    /** Device rows of {@code elementBytes} copied back into host rows, each {@code runs} elements wide. */
    record Output(DeviceBuffer device, int elementBytes, List<MemorySegment> hostRows) {
    }

    /** Queues the launch that integrates runs {@code first <= r < end} of the chunk on {@code stream}. */
    interface Launcher {
        void launch(long first, long end, DeviceStream stream);
    }

    /** Waits for a slice to finish (it may report progress meanwhile). */
    interface Waiter {
        void await(DeviceEvent done, long runsDone);
    }

    /**
     * A slice in flight: its kernel's timed events, its copies' (before and after each copy; null where nothing is
     * copied: each timed event is read once, since reading releases it on cuda), and its last event.
     */
    private record Slice(int slot, long chunkFirst, long first, long runs, DeviceEvent inStart, DeviceEvent inEnd, DeviceEvent start,
                         DeviceEvent end, DeviceEvent outStart, DeviceEvent outEnd, DeviceEvent done) {
    }

    private final DeviceRuntime rt;
    private final ElementType type;
    private final long stride;
    private final List<Input> inputs;
    private final List<Output> outputs;
    private final long capacity;
    private final DeviceStream[] streams;
    private final MemorySegment[] slots;
    private final long[] sections;
    /** The device arrays' memory where the host can address it (DeviceRuntime.hostView), else null. */
    private final MemorySegment[] inputViews;
    private final MemorySegment[] outputViews;
    /** One slice per chunk over host-addressable device arrays: gathered into and scattered from them, no staging. */
    private final boolean direct;
    /** Around the pipeline's first gather only (then none). */
    private Gate firstGather = Gate.NONE;
    /** Where the time goes: gathers, copies, kernels, scatters. */
    private final PhaseTimes times;

    /**
     * Entered before a gather and left after it: {@link SplitRun}'s parts gather their first slices one after
     * another, in order, each on all cores, so the first part's copies and kernel start while the next gathers.
     */
    interface Gate {
        Gate NONE = new Gate() {
            @Override
            public void enter() {
            }

            @Override
            public void leave() {
            }
        };

        void enter();

        void leave();
    }

    /**
     * @param stride  runs per device row (the chunk length)
     * @param pinned  pinned host memory of at least the given bytes, owned by the caller
     * @param streams the given number of streams, owned by the caller
     * @param times   sums of the phases' times, added to by every chunk
     */
    ChunkPipeline(DeviceRuntime rt, ElementType type, long stride, List<Input> inputs, List<Output> outputs, LongFunction<MemorySegment> pinned,
                  java.util.function.LongSupplier pinnedBudget, IntFunction<DeviceStream[]> streams, PhaseTimes times) {
        this.rt = rt;
        this.times = times;
        this.type = type;
        this.stride = stride;
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        this.inputViews = inputs.stream().map(in -> rt.hostView(in.device())).toArray(MemorySegment[]::new);
        this.outputViews = outputs.stream().map(out -> rt.hostView(out.device())).toArray(MemorySegment[]::new);
        boolean views = java.util.stream.Stream.concat(java.util.Arrays.stream(inputViews), java.util.Arrays.stream(outputViews))
                .allMatch(java.util.Objects::nonNull);
        long cap = sliceRuns(rt, stride);
        if (!(slotCount(cap) == 1 && views)) {
            // The slots are pinned memory from the memory manager's bound: slices shrink until they fit it.
            long budget = pinnedBudget.getAsLong();
            if (slotBytes(cap) * slotCount(cap) > budget) {
                long lo = 1;
                long hi = cap;
                while (lo < hi) { // the largest slice whose slots fit
                    long mid = (lo + hi + 1) >>> 1;
                    if (slotBytes(mid) * slotCount(mid) <= budget) {
                        lo = mid;
                    } else {
                        hi = mid - 1;
                    }
                }
                if (slotBytes(lo) * slotCount(lo) > budget) {
                    throw new org.tornadobatch.memory.MemoryLimitExceededException(org.tornadobatch.memory.MemoryLimitExceededException.Reason.PINNED_LIMIT,
                            "pinned staging for even one run per slice needs " + org.tornadobatch.Bytes.exact(slotBytes(1) * slotCount(1)) + ", but "
                                    + org.tornadobatch.Bytes.exact(budget) + " is left of the memory manager's pinned bound; raise it"
                                    + " (MemoryManagerBuilder.pinnedLimitBytes)", slotBytes(1), 0, budget);
                }
                cap = lo;
            }
        }
        this.capacity = cap;
        this.sections = new long[inputs.size() + outputs.size() + 1];
        long at = 0;
        for (int i = 0; i < sections.length - 1; i++) {
            sections[i] = at;
            at += align(rowsOf(i) * capacity * bytesOf(i));
        }
        sections[sections.length - 1] = at;
        int count = slotCount(capacity);
        this.streams = streams.apply(count).clone();
        this.direct = count == 1 && views;
        this.slots = new MemorySegment[count];
        if (!direct) {
            MemorySegment staging = pinned.apply(at * count);
            for (int s = 0; s < count; s++) {
                slots[s] = staging.asSlice(s * at, at);
            }
        }
    }

    private static long sliceRuns(DeviceRuntime rt, long stride) {
        int slices = CountProperty.forced(SLICES_PROPERTY);
        if (slices == 0) {
            slices = rt.overlapsCopiesWithKernels() ? (int) Math.max(1, Math.min(MAX_SLICES, stride / MIN_SLICE_RUNS)) : 1;
        }
        return Math.max(1, (stride + slices - 1) / slices);
    }

    /** Slots in flight for slices of {@code runs}: up to three, fewer when the chunk has fewer slices. */
    private int slotCount(long runs) {
        return (int) Math.min(SLOTS, (stride + runs - 1) / runs);
    }

    /** Bytes of one slot for slices of {@code runs}: every input's and output's rows, each section aligned. */
    private long slotBytes(long runs) {
        long at = 0;
        for (int i = 0; i < inputs.size() + outputs.size(); i++) {
            at += align(rowsOf(i) * runs * bytesOf(i));
        }
        return at;
    }

    private static long align(long bytes) {
        return (bytes + 255) & ~255L;
    }

    /**
     * Runs the chunk's {@code runs} runs, which start at run {@code chunkFirst} of the batch; returns the summed
     * kernel time of its slices in milliseconds.
     */
    double run(long chunkFirst, long runs, Launcher launcher, Waiter waiter) {
        int lookahead = slots.length - 1;
        long count = (runs + capacity - 1) / capacity;
        Slice[] inFlight = new Slice[slots.length];
        double kernelMillis = 0;
        long done = 0;
        for (long i = 0; i < count + lookahead; i++) {
            if (i < count) {
                int slot = (int) (i % slots.length);
                long first = i * capacity;
                inFlight[slot] = start(slot, chunkFirst, first, Math.min(capacity, runs - first), launcher);
            }
            long j = i - lookahead;
            if (j >= 0 && j < count) {
                Slice s = inFlight[(int) (j % slots.length)];
                waiter.await(s.done(), done);
                s.done().synchronize();
                long t0 = System.nanoTime();
                scatter(s);
                times.scatter(System.nanoTime() - t0);
                double k = rt.elapsedMillis(s.start(), s.end());
                kernelMillis += k;
                times.kernel(k);
                if (s.inStart() != null) {
                    times.copies(rt.elapsedMillis(s.inStart(), s.inEnd()), rt.elapsedMillis(s.outStart(), s.outEnd()));
                }
                done += s.runs();
            }
        }
        return kernelMillis;
    }

    /** Sets the gate around the pipeline's first gather. */
    void firstGather(Gate gate) {
        this.firstGather = gate;
    }

    /** Waits for everything queued on the pipeline's streams (after a failure: before the device arrays are freed). */
    void drain() {
        FirstFailure f = new FirstFailure();
        for (DeviceStream s : streams) {
            f.run(s::synchronize);
        }
        f.rethrow();
    }

    private Slice start(int slot, long chunkFirst, long first, long runs, Launcher launcher) {
        DeviceStream s = streams[slot];
        int es = type.bytes();
        if (direct) { // the rows go straight into the device arrays' memory, which the launch then reads
            gated((i, r) -> inputViews[i].asSlice((r * stride + first) * es, runs * es), chunkFirst + first, runs);
            DeviceEvent start = rt.recordTimed(s);
            launcher.launch(first, first + runs, s);
            DeviceEvent end = rt.recordTimed(s);
            return new Slice(slot, chunkFirst, first, runs, null, null, start, end, null, null, s.record());
        }
        MemorySegment m = slots[slot];
        gated((i, r) -> m.asSlice(sections[i] + r * capacity * es, runs * es), chunkFirst + first, runs);
        DeviceEvent inStart = rt.recordTimed(s);
        for (int i = 0; i < inputs.size(); i++) {
            Input in = inputs.get(i);
            rt.copyRowsToDevice(m.asSlice(sections[i]), in.device(), first * es,
                    new Rows(in.rows().size(), runs * es, capacity * es, stride * es), s);
        }
        DeviceEvent inEnd = rt.recordTimed(s);
        DeviceEvent start = rt.recordTimed(s);
        launcher.launch(first, first + runs, s);
        DeviceEvent end = rt.recordTimed(s);
        DeviceEvent outStart = rt.recordTimed(s);
        for (int o = 0; o < outputs.size(); o++) {
            Output out = outputs.get(o);
            int eb = out.elementBytes();
            rt.copyRowsToHost(out.device(), first * eb, m.asSlice(sections[inputs.size() + o]),
                    new Rows(out.hostRows().size(), runs * eb, stride * eb, capacity * eb), s);
        }
        DeviceEvent outEnd = rt.recordTimed(s);
        return new Slice(slot, chunkFirst, first, runs, inStart, inEnd, start, end, outStart, outEnd, s.record());
    }

    /** Where row {@code r} of input {@code i} of a slice goes: {@code runs} elements. */
    private interface RowAt {
        MemorySegment row(int i, int r);
    }

    private void gated(RowAt target, long firstRun, long runs) {
        Gate g = firstGather;
        firstGather = Gate.NONE;
        g.enter();
        try {
            long t0 = System.nanoTime();
            gather(target, firstRun, runs);
            times.gather(System.nanoTime() - t0);
        } finally {
            g.leave();
        }
    }

    /**
     * Copies the slice's runs of every input row to where {@code target} says, converted to the element type; a row of
     * one value (a column every run shares) fills its target with it.
     */
    private void gather(RowAt target, long firstRun, long runs) {
        List<MemorySegment> targets = new ArrayList<>();
        List<RunColumn> sources = new ArrayList<>();
        List<HostCopy.Piece> copies = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            List<RunColumn> rows = inputs.get(i).rows();
            for (int r = 0; r < rows.size(); r++) {
                RunColumn src = rows.get(r);
                MemorySegment dst = target.row(i, r);
                double[] own = src.perRunArray();
                if (src.shared()) {
                    if (type == ElementType.FLOAT64) {
                        dst.setAtIndex(ValueLayout.JAVA_DOUBLE, 0, src.get(0));
                    } else {
                        dst.setAtIndex(ValueLayout.JAVA_FLOAT, 0, (float) src.get(0));
                    }
                    HostCopy.repeatFirst(dst.asSlice(0, runs * type.bytes()), type.bytes());
                } else if (own != null && type == ElementType.FLOAT64) { // a value per run in an array: bulk copies
                    copies.add(new HostCopy.Piece(MemorySegment.ofArray(own), firstRun * 8, dst, 0, runs * 8));
                } else {
                    sources.add(src);
                    targets.add(dst);
                }
            }
        }
        HostCopy.copyAll(copies);
        if (sources.isEmpty()) {
            return;
        }
        // Computed, repeated or converted values: a piece at a time into a heap array on all cores, then one bulk copy
        // (a cold JVM interprets these loops, where array bytecodes are many times cheaper than a memory segment's
        // accessors).
        long piece = 1 << 16;
        long pieces = (runs + piece - 1) / piece;
        boolean single = type != ElementType.FLOAT64;
        org.tornadobatch.HostThreads.parallel(() -> IntStream.range(0, Math.toIntExact(pieces * sources.size())).parallel().forEach(k -> {
            RunColumn src = sources.get((int) (k / pieces));
            MemorySegment dst = targets.get((int) (k / pieces));
            int from = Math.toIntExact((k % pieces) * piece);
            int len = (int) Math.min(runs - from, piece);
            double[] values = new double[len];
            src.copyTo(values, 0, firstRun + from, len);
            if (single) {
                float[] converted = new float[len];
                for (int r = 0; r < len; r++) {
                    converted[r] = (float) values[r];
                }
                MemorySegment.copy(converted, 0, dst, ValueLayout.JAVA_FLOAT, (long) from * Float.BYTES, len);
            } else {
                MemorySegment.copy(values, 0, dst, ValueLayout.JAVA_DOUBLE, (long) from * Double.BYTES, len);
            }
        }));
    }

    /** Copies the slice's output rows (in the slot, or in the device arrays' memory) into the result rows at its runs. */
    private void scatter(Slice s) {
        List<HostCopy.Piece> copies = new ArrayList<>();
        long firstRun = s.chunkFirst() + s.first();
        for (int o = 0; o < outputs.size(); o++) {
            Output out = outputs.get(o);
            int eb = out.elementBytes();
            long base = sections[inputs.size() + o];
            for (int r = 0; r < out.hostRows().size(); r++) {
                MemorySegment from = direct ? outputViews[o] : slots[s.slot()];
                long at = direct ? (r * stride + s.first()) * eb : base + r * capacity * eb;
                copies.add(new HostCopy.Piece(from, at, out.hostRows().get(r), firstRun * eb, s.runs() * eb));
            }
        }
        HostCopy.copyAll(copies);
    }

    private long rowsOf(int section) {
        return section < inputs.size() ? inputs.get(section).rows().size() : outputs.get(section - inputs.size()).hostRows().size();
    }

    private long bytesOf(int section) {
        return section < inputs.size() ? type.bytes() : outputs.get(section - inputs.size()).elementBytes();
    }
}
