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
        public String name() {
            return provider.name();
        }
    }

    private DeviceRuntimes() {
    }

    /** Every provider on the class path, highest priority first, each with its availability. */
    public static List<Found> discover() {
        List<Found> found = new ArrayList<>();
        for (ServiceLoader.Provider<DeviceRuntimeProvider> p : ServiceLoader.load(DeviceRuntimeProvider.class).stream().toList()) {
            DeviceRuntimeProvider provider;
            try {
                provider = p.get();
            } catch (Throwable e) {
                LOG.warn("device runtime {} could not be loaded: {}", p.type().getName(), e.toString());
                continue;
            }
            Availability a;
            try {
                a = provider.availability();
            } catch (Throwable e) {
                a = Availability.no(e.toString());
            }
            found.add(new Found(provider, a));
        }
        found.sort(Comparator.comparingInt((Found f) -> f.provider().priority()).reversed());
        return found;
    }

    /**
     * Opens a runtime: {@code "auto"} takes the available one of highest priority; any other name must be
     * found and available.
     *
     * @throws DeviceException naming the runtimes found when the name is unknown or its runtime cannot start
     */
    public static DeviceRuntime open(String name, int deviceIndex) {
        List<Found> found = discover();
        String wanted = name.toLowerCase(Locale.ROOT);
        if (wanted.equals("auto")) {
            for (Found f : found) {
                if (f.availability().available()) {
                    return f.provider().open(deviceIndex);
                }
            }
            throw new DeviceException("no device runtime can start here: " + describe(found));
        }
        for (Found f : found) {
            if (f.name().equals(wanted)) {
                if (!f.availability().available()) {
                    throw new DeviceException("the " + wanted + " runtime cannot start here: " + f.availability().reason()
                            + "; choose another backend (available: " + availableNames(found) + ")");
                }
                return f.provider().open(deviceIndex);
            }
        }
        throw new DeviceException("unknown device runtime: " + name + " (expected: auto, "
                + String.join(", ", found.stream().map(Found::name).toList()) + ")");
    }

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
