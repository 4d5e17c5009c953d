package org.tornadobatch.solver;

import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.solver.kernel.KernelGenerator;
import org.tornadobatch.solver.kernel.KernelSpec;
import org.tornadobatch.solver.kernel.VectorKernelWriter;
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.system.OdeSystem;

/** Which language a solver's kernel is generated in on a runtime: the runtime's, or the jvm's vector kernels. */
final class KernelChoice {
    private static final Logger LOG = LoggerFactory.getLogger(Solver.class);

    private KernelChoice() {
    }

    /**
     * The language of {@code spec}'s kernel on a runtime of language {@code base}: the vector kernels' where {@code vectors}
     * are allowed and either asked for whatever the batch ({@code vectorAlways}) or {@code worth} it, and cover the spec.
     */
    static String language(KernelSpec spec, String base, boolean vectors, boolean vectorAlways, boolean worth) {
        String lang = base;
        if (vectors && (vectorAlways || worth)) {
            String why = VectorKernelWriter.unsupported(spec);
            if (why == null) {
                lang = KernelGenerator.JAVA_VECTOR;
            } else if (vectorAlways) {
                // Asked for by name (--simd, vectorKernels(true)): said where the user sees it, not only in the debug log.
                LOG.warn("vector kernels asked for, but they do not cover {}: the scalar kernel runs", why);
            } else {
                LOG.debug("the scalar kernel: the vector kernels do not cover {}", why);
            }
        }
        return lang;
    }

    /**
     * The estimated work (runs x steps x states) from which a vector kernel pays for its JIT warm-up. HotSpot runs
     * Vector API code interpreted, and then without its intrinsics, until C2 has compiled it: about 1 to 2 s of a
     * cold solve on the 2-core build machine (docs/performance.md), against a scalar kernel that is 1.5x to 8x slower
     * once warm. 3e8 is about 3 s of scalar work on Lorenz.
     */
    static final double VECTOR_MIN_WORK = 3e8;

    /**
     * The steps per run that {@link #worthVectors} assumes for an adaptive implicit solve, whatever its duration: a stiff
     * solver's steps grow far slower than the time span (measured on the jvm: Robertson to t = 100 38 with kvaerno5, 50
     * with rodas5p, 377 with ros3p; to t = 1e5 74 with kvaerno5, 499 with l-stable-sdirk-4; HIRES to 321.8 134 with
     * kvaerno5, 202 with rodas5p).
     */
    static final double STIFF_STEPS = 300;

    /**
     * Whether {@code batch} over {@code time} is work enough for a vector kernel: runs x steps x states, the steps
     * those of the fixed step, {@link #STIFF_STEPS} for an adaptive implicit method, or 100 per unit of time for
     * other adaptive methods (the Lorenz ensemble takes 83 at 1e-8). Measured (2-core build machine, cold CLI solves,
     * HIRES under rodas5p, 8 states, 202 steps per run): at 16384 runs the vector kernel took 2.4 to 2.6 s against the
     * scalar kernel's 1.8 s, at 131072 runs 7.3 to 7.6 s against 12.7 to 13.0 s; Robertson, 65537 runs to t = 100: the
     * first solve 3.8 s against 1.1 s.
     */
    static boolean worthVectors(OdeSystem system, Algorithm algorithm, StepControl control, Batch batch, TimeSpec time) {
        double span = time.end() - time.t0();
        boolean adaptive = control.controller().isAdaptive();
        double steps = !adaptive ? span / control.dt() : algorithm.tableau().isImplicit() ? STIFF_STEPS : 100 * Math.max(1, span);
        return (double) batch.runs() * steps * system.states().size() >= VECTOR_MIN_WORK;
    }

    private static final java.util.concurrent.atomic.AtomicBoolean VECTOR_API_NOTED = new java.util.concurrent.atomic.AtomicBoolean();

    /** Whether this JVM reads {@code jdk.incubator.vector} (started with {@code --add-modules jdk.incubator.vector}). */
    static boolean vectorApi() {
        boolean present = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        if (!present && VECTOR_API_NOTED.compareAndSet(false, true)) {
            LOG.info("the jvm backend runs scalar kernels: start the JVM with --add-modules jdk.incubator.vector for vector kernels"
                    + " (several runs per instruction; the tornado-batch launcher does)");
        }
        return present;
    }

    /** The language the solver's kernels are generated in for {@code runtime}: cuda, tornadovm or java, the first it accepts. */
    static String baseLanguage(DeviceRuntime runtime) {
        for (String l : List.of("cuda", "tornadovm", "java")) {
            if (runtime.kernelLanguages().contains(l)) {
                return l;
            }
        }
        throw new IllegalArgumentException("backend: " + runtime.name() + " cannot run this solver's kernels (it accepts "
                + runtime.kernelLanguages() + "; the solver generates " + KernelGenerator.LANGUAGES + ")");
    }
}
