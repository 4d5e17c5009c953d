package org.tornadobatch.cli;

import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tornadobatch.device.DeviceException;
import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.device.DeviceRuntimes;
import org.tornadobatch.solver.kernel.KernelGenerator;

/**
 * The device runtime a solve asks for with --backend, --device and --threads: checked (one line per bad value) and
 * opened. A cuda device is opened on a thread of its own from the start, while the command line is checked and the
 * runs are built (its driver's start and context take a few hundred ms); its errors are reported where the solve takes
 * it, after every other check. The other runtimes open on the thread that takes them.
 */
final class RuntimeOpener {
    private static final Logger LOG = LoggerFactory.getLogger(RuntimeOpener.class);

    private final String backend;
    private final Integer threads;
    private final String deviceText;
    /** The device index of --device, and its TornadoVM backend (null: not given); set by openRuntime. */
    private int device;
    private String tornadoBackend;

    /** The runtime being opened on a thread of its own ({@link #openInBackground}); null where none is. */
    private java.util.concurrent.CompletableFuture<DeviceRuntime> opening;

    private RuntimeOpener(String backend, Integer threads, String deviceText) {
        this.backend = backend;
        this.threads = threads;
        this.deviceText = deviceText;
    }

    /** An opener for these options, already opening where the backend is cuda. */
    static RuntimeOpener start(String backend, Integer threads, String deviceText) {
        RuntimeOpener o = new RuntimeOpener(backend, threads, deviceText);
        o.openInBackground();
        return o;
    }

    /**
     * Starts opening the runtime on a thread of its own where it is a cuda device (the other runtimes open on the
     * thread that uses them: jvm in no time, TornadoVM's own start is left where it is).
     */
    private void openInBackground() {
        if (backend.trim().equalsIgnoreCase("cuda")) {
            opening = java.util.concurrent.CompletableFuture.supplyAsync(this::openRuntime,
                    r -> Thread.ofPlatform().name("tornado-batch-open").daemon().start(r));
        }
    }

    /**
     * The runtime: the one opened in the background (its failure rethrown as it was thrown), else opened now; puts how
     * long the solve waited for it into {@code phases} as {@code open}.
     */
    DeviceRuntime take(Map<String, Double> phases) {
        long waited = System.nanoTime();
        java.util.concurrent.CompletableFuture<DeviceRuntime> f = opening;
        opening = null;
        try {
            return f == null ? openRuntime() : f.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        } finally {
            phases.put("open", (System.nanoTime() - waited) / 1e6);
        }
    }

    /** Closes a runtime opened in the background that the solve never took (it stopped at a bad input first). */
    void closeUnused() {
        java.util.concurrent.CompletableFuture<DeviceRuntime> f = opening;
        opening = null;
        if (f != null) {
            try {
                f.join().close();
            } catch (RuntimeException ignored) {
                // the input's error is the one to report
            }
        }
    }

    /** Checks the options and opens the runtime they name (auto: the first that can run the kernels, else jvm). */
    private DeviceRuntime openRuntime() {
        if (threads != null && threads < 1) {
            throw new IllegalArgumentException("--threads: " + threads + " (expected: >= 1)");
        }
        String b = backend.trim().toLowerCase(java.util.Locale.ROOT);
        if (!List.of("auto", "jvm", "cuda", "tornadovm").contains(b)) {
            throw new IllegalArgumentException("--backend: " + backend + " (expected: auto, jvm, cuda or tornadovm)");
        }
        String d = deviceText.trim();
        if (!d.matches("\\d{1,9}(:\\d{1,9})?")) {
            throw new IllegalArgumentException("--device: '" + deviceText + "' (expected: a device index >= 0, or B:D for device D of TornadoVM"
                    + " backend B; see tornado-batch devices)");
        }
        int colon = d.indexOf(':');
        device = Integer.parseInt(colon < 0 ? d : d.substring(colon + 1));
        tornadoBackend = colon < 0 ? null : d.substring(0, colon);
        if (tornadoBackend != null && !b.equals("tornadovm")) {
            throw new IllegalArgumentException("--device " + d + ": B:D names a TornadoVM backend's device; with --backend " + b
                    + " give a device index (or use --backend tornadovm)");
        }
        if (threads != null && !b.equals("jvm") && !b.equals("auto")) {
            throw new IllegalArgumentException("--threads: the worker threads of the jvm backend, not of " + b + " (leave it out, or use"
                    + " --backend jvm)");
        }
        if (b.equals("jvm") || (b.equals("auto") && threads != null)) {
            return open("jvm", threads != null ? Map.of("threads", threads.toString()) : Map.of());
        }
        DeviceRuntime rt = open(b, tornadoBackend != null ? Map.of("backend", tornadoBackend) : Map.of());
        if (rt.kernelLanguages().stream().noneMatch(KernelGenerator.LANGUAGES::contains)) {
            String name = rt.name();
            rt.close();
            if (b.equals("auto")) {
                LOG.info("backend {} cannot run the solver's kernels yet; using jvm", name);
                return open("jvm", Map.of());
            }
            throw new IllegalArgumentException("--backend: " + name + " cannot run the solver's kernels in this version"
                    + " (use --backend jvm or cuda)");
        }
        return rt;
    }

    /** Opens a runtime through its provider (the command line names no concrete runtime). */
    private DeviceRuntime open(String name, Map<String, String> options) {
        try {
            return DeviceRuntimes.open(name, device, options);
        } catch (DeviceException e) {
            throw new IllegalArgumentException("--backend " + name + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--backend " + name + " --device " + deviceText.trim() + ": " + e.getMessage(), e);
        }
    }

}
