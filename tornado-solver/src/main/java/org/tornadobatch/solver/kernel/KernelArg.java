package org.tornadobatch.solver.kernel;

import org.tornadobatch.device.Direction;
import org.tornadobatch.device.KernelSignature;
import org.tornadobatch.device.ValueType;
import org.tornadobatch.memory.ArrayRequest;
import org.tornadobatch.memory.ElementType;
import org.tornadobatch.solver.Precision;

/**
 * The parameters of the integrator kernel, in the order of CUDA's positional parameters: twelve arrays (each with its
 * label, which is also its memory request's and its result's, its element type, direction and whether its runs
 * are chunked), then the launch scalars ({@link LaunchScalars}). A launch integrates runs {@code first <= r < end}
 * of a chunk whose arrays are {@code stride} runs wide; thread {@code t} takes run {@code first + t}.
 *
 * <p>{@link #local()} is the name the generated code gives the value.
 */
public enum KernelArg {
    /** The initial states: (states, runs). */
    INIT("init", "init", null, Direction.IN, true),
    /** The parameters, then any per-run drivers' pieces: (rows, runs). */
    PARAMS("params", "par", null, Direction.IN, true),
    /** The times of the events (saves, samples, window ends), shared by every run. */
    EVENT_TIMES("event_times", "evT", ElementType.FLOAT64, Direction.CONSTANT, false),
    /** What happens at each event ({@code Schedule}'s flags), shared by every run. */
    EVENT_FLAGS("event_flags", "evF", ElementType.INT32, Direction.CONSTANT, false),
    /** The drivers' polynomial pieces ({@link DriverTable}), shared by every run; one unused value without drivers. */
    DRIVERS("drivers", "drv", ElementType.FLOAT64, Direction.CONSTANT, false),
    /** The saved states: (saves, saved states, runs). */
    STATE("state", "outS", null, Direction.OUT, true),
    /** The saved observables: (saves, saved observables, runs). */
    OBSERVABLES("observables", "outO", null, Direction.OUT, true),
    /** The states' summaries: (windows, summarised states times slots, runs). */
    STATE_SUMMARIES("state_summaries", "sumS", null, Direction.OUT, true),
    /** The observables' summaries: (windows, summarised observables times slots, runs). */
    OBSERVABLE_SUMMARIES("observable_summaries", "sumO", null, Direction.OUT, true),
    /** Accepted, rejected and attempted steps per save interval: (saves, 3, runs). */
    STEP_COUNTS("step_counts", "outC", ElementType.INT32, Direction.OUT, true),
    /** Each run's status bits ({@code RunStatus}). */
    STATUS("status", "status", ElementType.INT32, Direction.OUT, true),
    /** Each run's accepted, then rejected, steps: (2, runs). */
    STEPS("steps", "steps", ElementType.INT32, Direction.OUT, true),
    /** The end of the work range: runs {@code first <= r < end} of the chunk are integrated. */
    END("end", "n", ValueType.INT32),
    /** The chunk's width in runs: the extent of every chunked array's last axis. */
    STRIDE("stride", "strideArg", ValueType.INT32),
    /** The number of events. */
    EVENTS("events", "nEvents", ValueType.INT32),
    /** The start time. */
    T0("t0", "t0", ValueType.FLOAT64),
    /** The fixed step, or the first adaptive step where the kernel does not estimate it. */
    DT("dt", "dtInit", ValueType.FLOAT64),
    /** The smallest adaptive step. */
    DT_MIN("dt_min", "dtMin", ValueType.FLOAT64),
    /** The largest adaptive step. */
    DT_MAX("dt_max", "dtMax", ValueType.FLOAT64),
    /** The most steps a run may attempt. */
    MAX_STEPS("max_steps", "maxSteps", ValueType.INT64),
    /** One absolute tolerance per state, passed by value. */
    ATOL("atol", "atol", ValueType.FLOAT64),
    /** One relative tolerance per state, passed by value. */
    RTOL("rtol", "rtol", ValueType.FLOAT64),
    /** The number of saves. */
    SAVES("saves", "nSaves", ValueType.INT32),
    /** The number of summary windows. */
    WINDOWS("windows", "nWindows", ValueType.INT32),
    /** The start of the work range (see {@link #END}). */
    FIRST("first", "firstRun", ValueType.INT32);

    private final String label;
    private final String local;
    /** Arrays: the element type, or null for the solve's precision. */
    private final ElementType element;
    private final Direction direction;
    private final boolean chunked;
    /** Scalars and vectors: the value type; null for arrays. */
    private final ValueType scalar;

    KernelArg(String label, String local, ElementType element, Direction direction, boolean chunked) {
        this.label = label;
        this.local = local;
        this.element = element;
        this.direction = direction;
        this.chunked = chunked;
        this.scalar = null;
    }

    KernelArg(String label, String local, ValueType scalar) {
        this.label = label;
        this.local = local;
        this.element = null;
        this.direction = null;
        this.chunked = false;
        this.scalar = scalar;
    }

    /** The parameter's name, and an array's memory-request label. */
    public String label() {
        return label;
    }

    /** The generated code's name for the value. */
    public String local() {
        return local;
    }

    /** Whether the parameter is an array (else a scalar or a vector passed by value). */
    public boolean isArray() {
        return scalar == null;
    }

    /** Whether the value is a vector of one value per state (the tolerances). */
    public boolean isVector() {
        return this == ATOL || this == RTOL;
    }

    /** An array's element type in a solve of precision {@code p}. */
    public ElementType element(Precision p) {
        requireArray();
        return element != null ? element : p.elementType();
    }

    /** An array's direction. */
    public Direction direction() {
        requireArray();
        return direction;
    }

    /** Whether an array's last axis holds the runs of a chunk (false: the event arrays, the same for every run). */
    public boolean chunked() {
        requireArray();
        return chunked;
    }

    /** A scalar's (a vector's element's) type. */
    public ValueType scalarType() {
        if (scalar == null) {
            throw new IllegalStateException(this + " is an array");
        }
        return scalar;
    }

    /** The memory request of an array of {@code shape} (its last axis the runs, if chunked) in precision {@code p}. */
    public ArrayRequest request(Precision p, long... shape) {
        ElementType t = element(p);
        return (chunked ? ArrayRequest.of(t, shape) : ArrayRequest.unchunkable(t, shape)).withDirection(direction);
    }

    /** The kernel's signature for a system of {@code states} states in precision {@code p}. */
    public static KernelSignature signature(Precision p, int states) {
        KernelSignature.Builder b = KernelSignature.builder();
        for (KernelArg a : values()) {
            if (a.isArray()) {
                b.buffer(a.label, a.element(p).valueType(), a.direction, a.chunked);
            } else if (a.isVector()) {
                b.vector(a.label, a.scalar, states);
            } else {
                b.scalar(a.label, a.scalar);
            }
        }
        return b.workRange(FIRST.label, END.label).checked(STATUS.label).build();
    }

    private void requireArray() {
        if (scalar != null) {
            throw new IllegalStateException(this + " is a scalar");
        }
    }
}
