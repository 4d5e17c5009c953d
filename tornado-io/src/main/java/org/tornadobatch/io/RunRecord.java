package org.tornadobatch.io;

import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.tornadobatch.solver.ResultArray;
import org.tornadobatch.solver.SolveInfo;
import org.tornadobatch.solver.SolveResult;
import org.tornadobatch.solver.TimeSpec;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.system.OdeSystem;

/** The content of {@code run.json}: what was run, on what, how it was split, how long it took. */
public final class RunRecord {
    /** The key, under {@code run}, of the phases' times in milliseconds (null: not measured on this runtime). */
    public static final String PHASES = "phases_ms";

    private RunRecord() {
    }

    /**
     * The record of {@code r}, which everything in it comes from but the system's file ({@code systemFile}: null when
     * the system came from elsewhere, e.g. Java).
     */
    public static Map<String, Object> of(SolveResult r, Path systemFile) {
        return of(r, systemFile, Map.of());
    }

    /**
     * The record of {@code r}, with the times of the phases before the solve ({@code before}: name to milliseconds, e.g.
     * the command line's {@code parse} and {@code grid}) ahead of the solve's own in {@code run.phases_ms}.
     * {@link ResultFolder#writeResult} adds {@code write} there.
     */
    public static Map<String, Object> of(SolveResult r, Path systemFile, Map<String, Double> before) {
        SolveInfo info = r.info();
        StepControl c = info.control();
        TimeSpec time = info.time();
        OdeSystem system = r.batch().system();
        Map<String, Object> m = new LinkedHashMap<>();
        String version = RunRecord.class.getPackage().getImplementationVersion();
        m.put("tool", "tornado-batch " + (version != null ? version : "(development build)"));
        m.put("created", Instant.now().toString());
        Map<String, Object> sys = new LinkedHashMap<>();
        sys.put("file", systemFile == null ? null : systemFile.toString());
        sys.put("name", system.name());
        sys.put("states", system.stateNames());
        sys.put("parameters", system.parameterNames());
        sys.put("constants", system.constants());
        sys.put("drivers", system.drivers());
        sys.put("observables", system.observables());
        sys.put("source", system.sourceText());
        m.put("system", sys);
        Map<String, Object> method = new LinkedHashMap<>();
        method.put("algorithm", info.algorithm());
        method.put("controller", info.controller());
        method.put("dt", c.dt());
        method.put("dt_min", c.dtMin());
        method.put("dt_max", c.dtMax());
        method.put("atol", c.atol());
        method.put("rtol", c.rtol());
        method.put("safety", c.safety());
        method.put("gains", List.of(c.minGain(), c.maxGain()));
        method.put("pid", List.of(c.kp(), c.ki(), c.kd()));
        method.put("deadband", List.of(c.deadbandMin(), c.deadbandMax()));
        method.put("first_step", c.estimatesInitialStep() ? "estimated per run (Hairer)" : "dt");
        method.put("max_steps", c.maxSteps());
        method.put("precision", info.precision());
        if (info.implicit()) {
            method.put("linear_solver", info.krylov() ? "krylov" : "dense"); // how Newton's or the stages' systems were solved
        }
        m.put("method", method);
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("duration", time.duration());
        t.put("t0", time.t0());
        t.put("warmup", time.warmup());
        t.put("save_every", time.saveEvery());
        t.put("summarise_every", time.summariseEvery());
        t.put("sample_every", time.sampleEvery());
        t.put("stops", java.util.Arrays.stream(time.stops()).boxed().toList()); // the times steps landed on, recording nothing
        m.put("time", t);
        m.put("outputs", info.outputs());
        Map<String, Object> arrays = new LinkedHashMap<>();
        for (ResultArray a : r.arrays()) {
            Map<String, Object> d = entry(a.name() + ".npy", java.util.Arrays.stream(a.shape()).boxed().toList(),
                    List.of(a.name().endsWith("summaries") ? "window" : "time", "variable", "run"));
            d.put("variables", a.variables());
            arrays.put(a.name(), d);
        }
        for (String[] f : new String[][] {{"time", "time.npy", "sample"}, {"status", "status.npy", "run"},
                {"accepted_steps", "accepted_steps.npy", "run"}, {"rejected_steps", "rejected_steps.npy", "run"}}) {
            long n = f[2].equals("run") ? r.runs() : r.time().length;
            arrays.put(f[0], entry(f[1], List.of(n), List.of(f[2])));
        }
        if (r.usesNewton()) {
            arrays.put("newton_iterations", entry("newton_iterations.npy", List.of((long) r.runs()), List.of("run")));
        }
        if (r.isImplicit()) {
            arrays.put("jacobian_evaluations", entry("jacobian_evaluations.npy", List.of((long) r.runs()), List.of("run")));
            arrays.put("lu_factorisations", entry("lu_factorisations.npy", List.of((long) r.runs()), List.of("run")));
        }
        if (r.windowStarts().length > 0) {
            arrays.put("window_starts", entry("window_starts.npy", List.of((long) r.windowStarts().length), List.of("window")));
        }
        if (r.hasRunTimes()) {
            arrays.put("run_time", entry("run_time.npy", List.of((long) r.time().length, (long) r.runs()), List.of("time", "run")));
        }
        m.put("arrays", arrays);
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("runs", info.runs());
        run.put("failed_runs", r.failureCount());
        run.put("backend", info.backend());
        run.put("device", info.device());
        run.put("chunks", info.chunks());
        run.put("chunk_length", info.chunkLength());
        run.put("kernel", info.kernel());
        run.put("compile_ms", info.compileMillis());
        run.put("kernel_ms", info.kernelMillis());
        run.put("total_ms", info.totalMillis());
        Map<String, Double> phases = new LinkedHashMap<>(before);
        phases.putAll(info.phases());
        run.put(PHASES, phases);
        int[] acc = r.acceptedSteps();
        run.put("accepted_steps_mean", java.util.Arrays.stream(acc).average().orElse(0));
        run.put("accepted_steps_max", java.util.Arrays.stream(acc).max().orElse(0));
        Map<String, int[]> counts = new LinkedHashMap<>();
        if (r.usesNewton()) {
            counts.put("newton_iterations", r.newtonIterations());
        }
        if (r.isImplicit()) {
            counts.put("jacobian_evaluations", r.jacobianEvaluations());
            counts.put("lu_factorisations", r.luFactorisations());
        }
        counts.forEach((name, v) -> {
            run.put(name + "_mean", java.util.Arrays.stream(v).average().orElse(0));
            run.put(name + "_max", java.util.Arrays.stream(v).max().orElse(0));
        });
        m.put("run", run);
        return m;
    }

    /** One array's entry in run.json: its file, shape and axes. */
    private static Map<String, Object> entry(String file, List<Long> shape, List<String> axes) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("file", file);
        d.put("shape", shape);
        d.put("axes", axes);
        return d;
    }
}
