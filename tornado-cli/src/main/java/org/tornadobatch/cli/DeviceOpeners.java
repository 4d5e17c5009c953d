package org.tornadobatch.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.tornadobatch.FirstFailure;
import org.tornadobatch.device.DeviceException;
import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.device.DeviceRuntimes;
import org.tornadobatch.memory.MemoryManager;

/**
 * The devices of {@code --device}: one index (or TornadoVM's B:D), a list of them ({@code 0,1}: one solve spread over
 * both; the same index twice is two contexts on one device), {@code all} (every cuda device), and {@code jvm} in a list
 * for the host's cores beside GPUs ({@code --backend cuda --device 0,jvm}). Each is a {@link RuntimeOpener} of its own,
 * started at once (cuda devices open on threads of their own while the command line is checked).
 */
final class DeviceOpeners {
    private final List<RuntimeOpener> openers;

    private DeviceOpeners(List<RuntimeOpener> openers) {
        this.openers = openers;
    }

    /** The openers of {@code deviceText} on {@code backend}, started; a bad list is one clear line. */
    static DeviceOpeners start(String backend, Integer threads, String deviceText) {
        String b = backend.trim().toLowerCase(java.util.Locale.ROOT);
        String text = deviceText.trim();
        List<String> items = new ArrayList<>();
        if (text.equalsIgnoreCase("all")) {
            if (!b.equals("cuda")) {
                throw new IllegalArgumentException("--device all: every device of the cuda backend (with --backend " + b + ", list the devices:"
                        + " --device 0,1, or on tornadovm B:D,B:D)");
            }
            int n;
            try {
                n = DeviceRuntimes.deviceCount("cuda");
            } catch (DeviceException e) {
                throw new IllegalArgumentException("--backend cuda --device all: " + e.getMessage(), e);
            }
            for (int i = 0; i < n; i++) {
                items.add(Integer.toString(i));
            }
        } else {
            for (String item : text.split(",", -1)) {
                items.add(item.trim());
            }
        }
        boolean hasJvm = items.stream().anyMatch(i -> i.equalsIgnoreCase("jvm"));
        if (items.size() > 1 && b.equals("auto")) {
            throw new IllegalArgumentException("--device " + text + ": a list of devices names them on one backend (give --backend cuda or"
                    + " tornadovm; auto could fall back to the jvm for each)");
        }
        if (items.size() > 1 && b.equals("jvm")) {
            throw new IllegalArgumentException("--device " + text + ": the jvm backend is one device (the host's cores); list GPUs with"
                    + " --backend cuda or tornadovm (and jvm among them for the cores beside them: --device 0,jvm)");
        }
        if (hasJvm && items.size() == 1) {
            throw new IllegalArgumentException("--device jvm: the host's cores beside GPUs in a list (--device 0,jvm); alone, use"
                    + " --backend jvm");
        }
        if (items.stream().filter(i -> i.equalsIgnoreCase("jvm")).count() > 1) {
            throw new IllegalArgumentException("--device " + text + ": jvm more than once (the host's cores are one device)");
        }
        List<RuntimeOpener> openers = new ArrayList<>();
        for (String item : items) {
            boolean jvm = item.equalsIgnoreCase("jvm");
            // --threads belongs to the jvm device where one is listed; else the single opener checks it as before
            openers.add(RuntimeOpener.start(jvm ? "jvm" : backend, jvm || !hasJvm ? threads : null, jvm ? "0" : item));
        }
        return new DeviceOpeners(openers);
    }

    /**
     * Opens every device and a memory manager on each ({@code manager}); puts how long the solve waited into
     * {@code phases} as {@code open}. On a failure nothing stays open.
     */
    Open open(Map<String, Double> phases, Function<DeviceRuntime, MemoryManager> manager) {
        List<DeviceRuntime> runtimes = new ArrayList<>();
        List<MemoryManager> managers = new ArrayList<>();
        double waited = 0;
        boolean ok = false;
        try {
            for (RuntimeOpener o : openers) {
                Map<String, Double> one = new java.util.HashMap<>();
                runtimes.add(o.take(one));
                waited += one.getOrDefault("open", 0.0);
                managers.add(manager.apply(runtimes.get(runtimes.size() - 1)));
            }
            ok = true;
            return new Open(runtimes, managers);
        } finally {
            phases.put("open", waited);
            if (!ok) {
                new Open(runtimes, managers).close();
                closeUnused();
            }
        }
    }

    /** Closes the devices opened in the background that the solve never took (it stopped at a bad input first). */
    void closeUnused() {
        openers.forEach(RuntimeOpener::closeUnused);
    }

    /** The open devices and their memory managers, in the order given; closing closes the managers, then the runtimes. */
    record Open(List<DeviceRuntime> runtimes, List<MemoryManager> managers) implements AutoCloseable {
        /** The first device's runtime. */
        DeviceRuntime first() {
            return runtimes.get(0);
        }

        @Override
        public void close() {
            FirstFailure f = new FirstFailure();
            for (int i = managers.size() - 1; i >= 0; i--) {
                f.run(managers.get(i)::close);
            }
            for (int i = runtimes.size() - 1; i >= 0; i--) {
                f.run(runtimes.get(i)::close);
            }
            f.rethrow();
        }
    }
}
