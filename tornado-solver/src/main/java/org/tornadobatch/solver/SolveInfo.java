package org.tornadobatch.solver;

import org.tornadobatch.solver.method.StepControl;

/**
 * What was run and how long it took: for logs and the results record.
 *
 * @param algorithm      canonical algorithm name
 * @param controller     controller name
 * @param stepControl    step control, described
 * @param precision      float64 or float32
 * @param backend        runtime name
 * @param device         device name
 * @param runs           runs solved
 * @param chunks         chunks the batch was split into
 * @param chunkLength    runs per chunk
 * @param kernel         the generated kernel's class or function name (a jvm vector kernel's class starts with {@code KV})
 * @param compileMillis  time to generate and compile (or load) the kernel
 * @param kernelMillis   time spent in kernels, summed over chunks
 * @param totalMillis    time of the whole solve
 * @param control        the step control the kernel ran with (after precision adjustments)
 * @param time           the time span and output times
 * @param outputs        the outputs asked for, as the solver's {@code OutputSpec} prints them
 * @param phases         where the solve's time went, in milliseconds, in this order: {@code compile}, {@code host_arrays}
 *                       (allocating the result arrays), {@code plan} (planning chunks, allocating device memory),
 *                       {@code gather} (host: the batch's rows into staging or device memory, converted to float32 where
 *                       asked), {@code host_to_device}, {@code kernel}, {@code device_to_host} (device time of copies; NaN
 *                       where the runtime makes no copies of its own: jvm, tornadovm), {@code scatter} (host: results into
 *                       the result arrays), {@code chunks} (the chunk loop's wall time) and {@code total}. Gathers, copies,
 *                       kernels and scatters are sums over slices, which overlap one another on GPUs, and over the parts of
 *                       a split solve, which run at once; so they may add up to more than {@code chunks}.
 * @param usesNewton     whether the method solves its stages by Newton's iteration (the result counts its iterations)
 * @param implicit       whether the method evaluates a Jacobian and factorises matrices (the result counts both)
 * @param krylov         whether the Newton iteration's linear systems were solved by Krylov iterations, without a matrix
 *                       ({@link org.tornadobatch.solver.method.LinearSolver}; then nothing is factorised)
 */
public record SolveInfo(String algorithm, String controller, String stepControl, String precision, String backend, String device,
                        long runs, long chunks, long chunkLength, String kernel, double compileMillis, double kernelMillis,
                        double totalMillis, StepControl control, TimeSpec time, String outputs, java.util.Map<String, Double> phases,
                        boolean usesNewton, boolean implicit, boolean krylov) {
}
