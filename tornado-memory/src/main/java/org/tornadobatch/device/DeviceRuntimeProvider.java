package org.tornadobatch.device;

/**
 * The {@link java.util.ServiceLoader} entry point of a device runtime. A provider whose runtime cannot start
 * here (no driver, no library) says why in {@link #availability()}; it never throws and never kills the JVM.
 */
public interface DeviceRuntimeProvider {
    /** The runtime's short name, as on the command line's {@code --backend}. */
    String name();

    /** Preference for {@code auto}: higher first (cuda 300, tornadovm 200, jvm 100). */
    int priority();

    /** Whether the runtime can start here; cheap and side-effect free apart from loading libraries. */
    Availability availability();

    /** Opens the runtime on device {@code deviceIndex}; call only when {@link #availability()} is available. */
    DeviceRuntime open(int deviceIndex);

    /**
     * Opens the runtime with provider options (the jvm runtime's {@code threads}, say); a runtime that takes none
     * refuses any. Call only when {@link #availability()} is available.
     */
    default DeviceRuntime open(int deviceIndex, java.util.Map<String, String> options) {
        if (!options.isEmpty()) {
            throw new IllegalArgumentException("the " + name() + " runtime takes no options (given: " + options.keySet() + ")");
        }
        return open(deviceIndex);
    }

    /**
     * Every device the runtime can reach, one line each (its index, then what it is), for {@code tornado-batch
     * devices}; empty where the runtime lists none beyond the device it opens. Call only when available.
     */
    default java.util.List<String> devices() {
        return java.util.List.of();
    }

    /**
     * How many devices the runtime can open (indices 0 to this - 1), for {@code --device all}: one per line of
     * {@link #devices()}, at least one. Call only when available.
     */
    default int deviceCount() {
        return Math.max(1, devices().size());
    }
}
