package org.tornadobatch.device.host;

import java.lang.management.ManagementFactory;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.OperatingSystemMXBean;

/** What the host offers: physical memory, and the JVM's direct-memory limit if one was set. */
public final class HostInfo {
    private HostInfo() {
    }

    /** Physical memory in bytes; 0 when it cannot be read. */
    public static long physicalMemoryBytes() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return 0;
    }

    /** Physical memory not in use, in bytes; 0 when it cannot be read. */
    public static long freePhysicalMemoryBytes() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof OperatingSystemMXBean os) {
            return os.getFreeMemorySize();
        }
        return 0;
    }

    /** An explicit {@code -XX:MaxDirectMemorySize}, or 0 when none was set. */
    public static long maxDirectMemoryBytes() {
        try {
            HotSpotDiagnosticMXBean hs = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            return hs == null ? 0 : Long.parseLong(hs.getVMOption("MaxDirectMemorySize").getValue());
        } catch (RuntimeException e) {
            return 0;
        }
    }
}
