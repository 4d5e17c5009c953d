package org.tornadobatch.device.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tornadobatch.device.KernelCache;

/**
 * NVRTC (libnvrtc.so, CUDA 12 or 13) through {@code java.lang.foreign}: compiles CUDA C++ to PTX for a
 * device's architecture. PTX is cached on disk under {@code cuda/} in {@link KernelCache#root()}, keyed by the
 * source, the architecture, the options and the NVRTC version.
 *
 * <p>The library is looked up as {@value #LIBRARY_PROPERTY} (a path), else {@code $TORNADO_BATCH_NVRTC}, else
 * {@code libnvrtc.so}, {@code libnvrtc.so.13}, {@code libnvrtc.so.12} on the loader's path, else in
 * {@code $CUDA_HOME/lib64} and {@code /usr/local/cuda*}{@code /lib64}.
 */
final class Nvrtc {
    /** System property: the path of libnvrtc.so to use. */
    static final String LIBRARY_PROPERTY = "tornadobatch.cuda.nvrtc";

    private static final Logger LOG = LoggerFactory.getLogger(Nvrtc.class);
    private static final int NVRTC_SUCCESS = 0;
    private static final LoadOnce<Nvrtc> LOADED = new LoadOnce<>(Nvrtc.class, Nvrtc::load);

    private final String library;
    private final int major;
    private final int minor;
    private final int[] archs;
    private final NvrtcFunctions fn;
    private volatile long compilations;

    /** The PTX of one compilation, and whether it came from the disk cache. */
    record Ptx(String code, String arch, boolean cached, double millis) {
    }

    private Nvrtc(String library, NvrtcFunctions fn, int major, int minor, int[] archs) {
        this.library = library;
        this.fn = fn;
        this.major = major;
        this.minor = minor;
        this.archs = archs;
    }

    /**
     * NVRTC, loaded once per process.
     *
     * @throws CudaUnavailableException when no usable libnvrtc is found, naming where it looked
     */
    static Nvrtc get() {
        return LOADED.get();
    }

    /** "NVRTC 13.0 (libnvrtc.so.13)". */
    String describe() {
        return "NVRTC " + major + "." + minor + " (" + library + ")";
    }

    String version() {
        return major + "." + minor;
    }

    /** How many times this process ran NVRTC (cache hits do not count). */
    long compilations() {
        return compilations;
    }

    private static Object load() {
        List<String> tried = new ArrayList<>();
        for (String candidate : candidates()) {
            SymbolLookup lib;
            try {
                lib = candidate.contains("/") ? SymbolLookup.libraryLookup(Path.of(candidate), Arena.global())
                        : SymbolLookup.libraryLookup(candidate, Arena.global());
            } catch (IllegalArgumentException | UnsatisfiedLinkError e) {
                lib = null;
            }
            tried.add(candidate);
            if (lib == null || lib.find("nvrtcCompileProgram").isEmpty()) {
                continue;
            }
            try {
                return open(candidate, lib);
            } catch (RuntimeException e) {
                LOG.debug("{} is not usable: {}", candidate, e.toString());
            }
        }
        return new CudaUnavailableException("NVRTC (libnvrtc.so of CUDA 12 or 13) was not found; tried " + String.join(", ", tried)
                + "; install the CUDA toolkit's NVRTC or set -D" + LIBRARY_PROPERTY + "=/path/to/libnvrtc.so");
    }

    private static List<String> candidates() {
        List<String> c = new ArrayList<>();
        String p = System.getProperty(LIBRARY_PROPERTY);
        if (p == null || p.isBlank()) {
            p = System.getenv("TORNADO_BATCH_NVRTC");
        }
        if (p != null && !p.isBlank()) {
            c.add(p);
            return c;
        }
        c.addAll(List.of("libnvrtc.so", "libnvrtc.so.13", "libnvrtc.so.12"));
        List<Path> dirs = new ArrayList<>();
        String home = System.getenv("CUDA_HOME");
        if (home != null && !home.isBlank()) {
            dirs.add(Path.of(home, "lib64"));
        }
        try (Stream<Path> s = Files.list(Path.of("/usr/local"))) {
            s.filter(d -> d.getFileName().toString().startsWith("cuda")).sorted(Comparator.reverseOrder())
                    .forEach(d -> dirs.add(d.resolve("lib64")));
        } catch (IOException e) {
            // no /usr/local: nothing to add
        }
        for (Path d : dirs) {
            for (String name : List.of("libnvrtc.so", "libnvrtc.so.13", "libnvrtc.so.12")) {
                if (Files.exists(d.resolve(name))) {
                    c.add(d.resolve(name).toString());
                }
            }
        }
        return c;
    }

    private static Nvrtc open(String name, SymbolLookup lib) {
        NvrtcFunctions fn = new NvrtcFunctions(name, lib);
        Nvrtc probe = new Nvrtc(name, fn, 0, 0, new int[0]);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ma = a.allocate(JAVA_INT);
            MemorySegment mi = a.allocate(JAVA_INT);
            probe.check("nvrtcVersion", fn.nvrtcVersion(ma, mi));
            int major = ma.get(JAVA_INT, 0);
            int minor = mi.get(JAVA_INT, 0);
            if (major < 12) {
                throw new IllegalStateException("NVRTC " + major + "." + minor + " is older than 12");
            }
            MemorySegment n = a.allocate(JAVA_INT);
            probe.check("nvrtcGetNumSupportedArchs", fn.nvrtcGetNumSupportedArchs(n));
            MemorySegment list = a.allocate(JAVA_INT, Math.max(1, n.get(JAVA_INT, 0)));
            probe.check("nvrtcGetSupportedArchs", fn.nvrtcGetSupportedArchs(list));
            int[] archs = list.asSlice(0, n.get(JAVA_INT, 0) * 4L).toArray(JAVA_INT);
            return new Nvrtc(name, fn, major, minor, archs);
        }
    }

    /**
     * The newest virtual architecture this NVRTC can target that the device runs: the device's own when
     * supported, else the highest supported one below it.
     */
    int architectureFor(int deviceArch) {
        int best = -1;
        for (int a : archs) {
            if (a <= deviceArch && a > best) {
                best = a;
            }
        }
        if (best < 0) {
            throw new CudaUnavailableException(describe() + " cannot generate code for compute capability " + deviceArch / 10 + "."
                    + deviceArch % 10 + " (it supports " + java.util.Arrays.toString(archs) + "); use an NVRTC of the driver's CUDA version");
        }
        return best;
    }

    /**
     * Compiles {@code code} to PTX for {@code arch} (e.g. 90), or finds it in the disk cache.
     *
     * @throws CudaException with NVRTC's log when the source does not compile
     */
    Ptx compile(String code, String name, int arch, List<String> options, String device) {
        List<String> opts = new ArrayList<>();
        opts.add("--gpu-architecture=compute_" + arch);
        opts.addAll(options);
        String key = KernelCache.key(code, String.valueOf(arch), version(), String.join(" ", opts));
        Path file = KernelCache.root().resolve("cuda").resolve(key.substring(0, 40) + ".ptx");
        long t0 = System.nanoTime();
        try {
            if (Files.isRegularFile(file)) {
                String ptx = Files.readString(file, StandardCharsets.UTF_8);
                LOG.debug("PTX of {} loaded from the disk cache {}", name, file);
                return new Ptx(ptx, "compute_" + arch, true, (System.nanoTime() - t0) / 1e6);
            }
        } catch (IOException e) {
            LOG.debug("PTX cache {} unreadable ({}); compiling", file, e.toString());
        }
        String ptx = run(code, name, opts, device);
        compilations++;
        try {
            KernelCache.writeAtomically(file, ptx.getBytes(StandardCharsets.UTF_8));
        } catch (IOException | UnsupportedOperationException e) {
            LOG.debug("PTX cache {} not written ({})", file, e.toString());
        }
        return new Ptx(ptx, "compute_" + arch, false, (System.nanoTime() - t0) / 1e6);
    }

    private String run(String code, String name, List<String> opts, String device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment progSlot = a.allocate(ADDRESS);
            check("nvrtcCreateProgram", fn.nvrtcCreateProgram(progSlot, a.allocateFrom(code), a.allocateFrom(name + ".cu"), 0,
                    MemorySegment.NULL, MemorySegment.NULL));
            MemorySegment prog = progSlot.get(ADDRESS, 0);
            try {
                MemorySegment argv = a.allocate(ADDRESS, opts.size());
                for (int i = 0; i < opts.size(); i++) {
                    argv.setAtIndex(ADDRESS, i, a.allocateFrom(opts.get(i)));
                }
                int status = fn.nvrtcCompileProgram(prog, opts.size(), argv);
                if (status != NVRTC_SUCCESS) {
                    throw new CudaException("nvrtcCompileProgram", status, errorString(status), device,
                            "kernel " + name + " does not compile with " + describe() + " " + opts + ":\n" + log(a, prog));
                }
                MemorySegment size = a.allocate(JAVA_LONG);
                check("nvrtcGetPTXSize", fn.nvrtcGetPTXSize(prog, size));
                MemorySegment ptx = a.allocate(size.get(JAVA_LONG, 0));
                check("nvrtcGetPTX", fn.nvrtcGetPTX(prog, ptx));
                return ptx.getString(0);
            } finally {
                fn.nvrtcDestroyProgram(progSlot);
            }
        }
    }

    private String log(Arena a, MemorySegment prog) {
        MemorySegment size = a.allocate(JAVA_LONG);
        if (fn.nvrtcGetProgramLogSize(prog, size) != NVRTC_SUCCESS) {
            return "(no log)";
        }
        MemorySegment log = a.allocate(Math.max(1, size.get(JAVA_LONG, 0)));
        if (fn.nvrtcGetProgramLog(prog, log) != NVRTC_SUCCESS) {
            return "(no log)";
        }
        return log.getString(0).strip();
    }

    private void check(String function, int status) {
        if (status != NVRTC_SUCCESS) {
            throw new CudaException(function, status, errorString(status), "NVRTC " + library);
        }
    }

    private String errorString(int status) {
        return fn.nvrtcGetErrorString(status);
    }
}
