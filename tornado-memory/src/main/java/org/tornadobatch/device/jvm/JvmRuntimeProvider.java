package org.tornadobatch.device.jvm;

import org.tornadobatch.Bytes;
import org.tornadobatch.device.Availability;
import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.device.DeviceRuntimeProvider;
import org.tornadobatch.device.host.HostInfo;

/** Provides the always-present {@code jvm} runtime. */
public final class JvmRuntimeProvider implements DeviceRuntimeProvider {
    /** The provider {@link java.util.ServiceLoader} makes. */
    public JvmRuntimeProvider() {
    }

    @Override
    public String name() {
        return "jvm";
    }

    @Override
    public int priority() {
        return 100;
    }

    @Override
    public Availability availability() {
        return Availability.yes("host memory stands in for device memory (" + Bytes.format(JvmRuntime.defaultTotalBytes())
                + " of " + Bytes.format(HostInfo.physicalMemoryBytes()) + " RAM; " + Runtime.getRuntime().availableProcessors()
                + " cores)");
    }

    @Override
    public DeviceRuntime open(int deviceIndex) {
        return open(deviceIndex, java.util.Map.of());
    }

    /** Options: {@code threads} (worker threads, default all cores). */
    @Override
    public DeviceRuntime open(int deviceIndex, java.util.Map<String, String> options) {
        if (deviceIndex != 0) {
            throw new IllegalArgumentException("deviceIndex: " + deviceIndex + " (expected: 0; the jvm runtime has one device)");
        }
        java.util.Set<String> unknown = new java.util.TreeSet<>(options.keySet());
        unknown.remove(THREADS);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("jvm runtime options: " + unknown + " (expected: " + THREADS + ")");
        }
        int threads = JvmRuntime.defaultThreads();
        if (options.containsKey(THREADS)) {
            try {
                threads = Integer.parseInt(options.get(THREADS).trim());
            } catch (NumberFormatException e) {
                threads = 0;
            }
            if (threads < 1) {
                throw new IllegalArgumentException("threads: " + options.get(THREADS) + " (expected: a whole number >= 1)");
            }
        }
        return new JvmRuntime(JvmRuntime.defaultTotalBytes(), threads);
    }

    /** The option naming the number of worker threads. */
    public static final String THREADS = "threads";
}
