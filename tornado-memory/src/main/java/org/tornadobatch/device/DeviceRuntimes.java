package org.tornadobatch.device;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Finds device runtimes through {@link ServiceLoader} and opens them by name or by preference. */
public final class DeviceRuntimes {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceRuntimes.class);

    /** A provider found on the class path, with whether it can start here. */
    public record Found(DeviceRuntimeProvider provider, Availability availability) {
        /** The provider's runtime name ({@code jvm}, {@code cuda}, ...). */
        public String name() {
            return provider.name();
        }
    }

    private DeviceRuntimes() {
    }

    /** Every provider on the class path, highest priority first, each with its availability (each one probed). */
    public static List<Found> discover() {
        return providers().stream().map(p -> new Found(p, availability(p))).toList();
    }

    /** Every provider on the class path, highest priority first, none probed yet. */
    private static List<DeviceRuntimeProvider> providers() {
        List<DeviceRuntimeProvider> found = new ArrayList<>();
        for (ServiceLoader.Provider<DeviceRuntimeProvider> p : ServiceLoader.load(DeviceRuntimeProvider.class).stream().toList()) {
            try {
                found.add(p.get());
            } catch (Throwable e) {
                LOG.warn("device runtime {} could not be loaded: {}", p.type().getName(), e.toString());
            }
        }
        found.sort(Comparator.comparingInt(DeviceRuntimeProvider::priority).reversed());
        return found;
    }

    private static Availability availability(DeviceRuntimeProvider provider) {
        try {
            return provider.availability();
        } catch (Throwable e) {
            return Availability.no(e.toString());
        }
    }

    /**
     * How many devices runtime {@code name} can open ({@link DeviceRuntimeProvider#deviceCount()}).
     *
     * @throws DeviceException where no such runtime is found or it cannot start here
     */
    public static int deviceCount(String name) {
        for (DeviceRuntimeProvider p : providers()) {
            if (p.name().equals(name)) {
                Availability a = availability(p);
                if (!a.available()) {
                    throw new DeviceException("the " + name + " runtime cannot start here: " + a.reason());
                }
                return p.deviceCount();
            }
        }
        throw new DeviceException("no " + name + " runtime on the class path");
    }

    /**
     * Opens a runtime: {@code "auto"} takes the available one of highest priority; any other name must be
     * found and available.
     *
     * @throws DeviceException naming the runtimes found when the name is unknown or its runtime cannot start
     */
    public static DeviceRuntime open(String name, int deviceIndex) {
        return open(providers(), name, deviceIndex, java.util.Map.of());
    }

    /** {@link #open(String, int)} with provider options (see {@link DeviceRuntimeProvider#open(int, java.util.Map)}). */
    public static DeviceRuntime open(String name, int deviceIndex, java.util.Map<String, String> options) {
        return open(providers(), name, deviceIndex, options);
    }

    /** {@link #open(String, int)} among {@code providers} (highest priority first). */
    static DeviceRuntime open(List<DeviceRuntimeProvider> providers, String name, int deviceIndex) {
        return open(providers, name, deviceIndex, java.util.Map.of());
    }

    private static DeviceRuntime open(List<DeviceRuntimeProvider> providers, String name, int deviceIndex, java.util.Map<String, String> options) {
        String wanted = name.toLowerCase(Locale.ROOT);
        if (wanted.equals("auto")) {
            // Probed in priority order, up to the first that can start: a runtime of lower priority than the one
            // taken is never probed.
            List<Found> probed = new ArrayList<>();
            for (DeviceRuntimeProvider p : providers) {
                Found f = new Found(p, availability(p));
                if (f.availability().available()) {
                    return p.open(deviceIndex, options);
                }
                probed.add(f);
            }
            throw new DeviceException("no device runtime can start here: " + describe(probed));
        }
        // Only the runtime asked for is probed (a jvm solve never loads CUDA's libraries).
        for (DeviceRuntimeProvider p : providers) {
            if (p.name().equals(wanted)) {
                Availability a = availability(p);
                if (!a.available()) {
                    throw new DeviceException("the " + wanted + " runtime cannot start here: " + a.reason()
                            + "; choose another backend (available: " + availableNames(providers.stream()
                            .map(q -> new Found(q, availability(q))).toList()) + ")");
                }
                return p.open(deviceIndex, options);
            }
        }
        String module = MODULES.get(wanted);
        if (module != null) {
            throw new DeviceException("the " + wanted + " runtime is not on the class path (found: "
                    + String.join(", ", providers.stream().map(DeviceRuntimeProvider::name).toList()) + "); add the dependency "
                    + module + " to the program, or choose one of those found");
        }
        throw new DeviceException("unknown device runtime: " + name + " (expected: auto, "
                + String.join(", ", providers.stream().map(DeviceRuntimeProvider::name).toList()) + ")");
    }

    /**
     * This project's runtimes outside the memory module, by name: the artifact that brings each one. The solver
     * library does not pass them on to its users (a program that wants a GPU backend depends on one).
     */
    private static final java.util.Map<String, String> MODULES = java.util.Map.of(
            "cuda", "org.tornadobatch:tornado-cuda", "tornadovm", "org.tornadobatch:tornado-vm (and a TornadoVM SDK)");

    private static String availableNames(List<Found> found) {
        return String.join(", ", found.stream().filter(f -> f.availability().available()).map(Found::name).toList());
    }

    private static String describe(List<Found> found) {
        if (found.isEmpty()) {
            return "no runtime on the class path";
        }
        return String.join("; ", found.stream().map(f -> f.name() + ": " + f.availability().reason()).toList());
    }
}
