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
 */
public record SolveInfo(String algorithm, String controller, String stepControl, String precision, String backend, String device,
                        long runs, long chunks, long chunkLength, String kernel, double compileMillis, double kernelMillis,
                        double totalMillis, StepControl control, TimeSpec time, String outputs) {
}
