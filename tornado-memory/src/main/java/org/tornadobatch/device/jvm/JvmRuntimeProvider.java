package org.tornadobatch.device.jvm;

import org.tornadobatch.Bytes;
import org.tornadobatch.device.Availability;
import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.device.DeviceRuntimeProvider;

/** Provides the always-present {@code jvm} runtime. */
public final class JvmRuntimeProvider implements DeviceRuntimeProvider {
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
        if (deviceIndex != 0) {
            throw new IllegalArgumentException("deviceIndex: " + deviceIndex + " (expected: 0; the jvm runtime has one device)");
        }
        return new JvmRuntime(JvmRuntime.defaultTotalBytes(), JvmRuntime.defaultThreads());
    }
}
