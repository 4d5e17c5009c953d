package org.tornadobatch.solver.run;

/**
 * One device's part of a solve spread over several: its runtime and device, its runs, the wall time from its start
 * to its last chunk's end, and its kernels' and copies' device time (milliseconds; copies NaN where the runtime times
 * none: jvm, tornadovm).
 */
public record DeviceTimes(String backend, String device, long runs, double wallMillis, double kernelMillis, double hostToDeviceMillis,
                          double deviceToHostMillis) {
    static DeviceTimes of(BatchRun r, long runs, double wallMillis) {
        double[] copies = r.times().copyMillis();
        return new DeviceTimes(r.runtime().name(), r.runtime().deviceName(), runs, wallMillis, r.times().kernelMillis(), copies[0], copies[1]);
    }
}
