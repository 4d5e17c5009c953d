package org.tornadobatch.device.host;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileManager;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tornadobatch.device.DeviceException;
import org.tornadobatch.device.KernelCache;
import org.tornadobatch.device.KernelSource;

/**
 * Compiles Java kernel sources in memory with the JDK's compiler and loads them. Compiled classes are cached
 * in memory (per process) and on disk, keyed by a SHA-256 of the source, the Java version and the options, so
 * a second process loads the class bytes without compiling.
 *
 * <p>The disk cache lives under {@code jvm/} in {@link KernelCache#root()}. A cache that cannot be written is
 * skipped with a debug line; compilation still succeeds.
 */
public final class JavaKernelCompiler {
    private static final Logger LOG = LoggerFactory.getLogger(JavaKernelCompiler.class);
    private static final Map<String, Class<?>> LOADED = new ConcurrentHashMap<>();
    private static volatile long compilations;

    private JavaKernelCompiler() {
    }

    /**
     * Compiles (or finds in a cache) {@code source} and returns its entry-point class. Options are javac's
     * ({@code -g} keeps debug information, which TornadoVM needs; {@code --module-path} and {@code --add-modules}
     * reach APIs outside the class path).
     */
    public static Class<?> loadClass(KernelSource source) {
        return loadClass(source, null);
    }

    /**
     * As {@link #loadClass(KernelSource)}, also writing the class files under {@code exportDir} in package layout
     * (for tools that read class files through the system class loader, as TornadoVM does: the directory must be
     * on the class path).
     */
    public static Class<?> loadClass(KernelSource source, Path exportDir) {
        return LOADED.computeIfAbsent(key(source) + "|" + exportDir, k -> defineAll(source, key(source), exportDir));
    }

    /** How many times this process ran the Java compiler (a cache hit does not count). */
    public static long compilations() {
        return compilations;
    }

    private static String key(KernelSource source) {
        return KernelCache.key(source.code(), source.entryPoint(), String.valueOf(Runtime.version().feature()),
                new java.util.TreeMap<>(source.options()).toString());
    }

    private static Class<?> defineAll(KernelSource source, String key, Path exportDir) {
        Path dir = KernelCache.root().resolve("jvm").resolve(key.substring(0, 32));
        Map<String, byte[]> classes = readCache(dir);
        if (classes == null) {
            classes = compile(source);
            writeCache(dir, classes);
        }
        if (exportDir != null) {
            try {
                for (Map.Entry<String, byte[]> c : classes.entrySet()) {
                    Path f = exportDir.resolve(c.getKey().replace('.', '/') + ".class");
                    Files.createDirectories(f.getParent());
                    KernelCache.writeAtomically(f, c.getValue());
                }
            } catch (IOException e) {
                throw new DeviceException("cannot write kernel " + source.entryPoint() + "'s classes under " + exportDir + ": " + e
                        + "; choose a writable directory", e);
            }
        }
        // Exported classes are loaded from the class path (by the application class loader, as TornadoVM reads them);
        // all others by this kernel's own loader first, so that a same-named class on the class path never stands in.
        KernelLoader loader = new KernelLoader(classes, exportDir == null);
        try {
            return Class.forName(source.entryPoint(), true, loader);
        } catch (ClassNotFoundException e) {
            throw new DeviceException("kernel source has no class " + source.entryPoint() + " (the entry point must be the"
                    + " fully qualified name of the kernel class)", e);
        }
    }

    private static Map<String, byte[]> compile(KernelSource source) {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            throw new DeviceException("no Java compiler in this runtime (module java.compiler / jdk.compiler missing);"
                    + " run tornado-batch on a JDK, not a JRE");
        }
        long started = System.nanoTime();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        StandardJavaFileManager standard = javac.getStandardFileManager(diagnostics, null, StandardCharsets.UTF_8);
        Map<String, ByteArrayOutputStream> out = new HashMap<>();
        JavaFileManager manager = new ForwardingJavaFileManager<>(standard) {
            @Override
            public JavaFileObject getJavaFileForOutput(Location location, String className, JavaFileObject.Kind kind,
                                                       FileObject sibling) {
                return new SimpleJavaFileObject(uri(className.replace('.', '/') + ".class"), kind) {
                    @Override
                    public OutputStream openOutputStream() {
                        return out.computeIfAbsent(className, c -> new ByteArrayOutputStream());
                    }
                };
            }
        };
        String simple = source.entryPoint().substring(source.entryPoint().lastIndexOf('.') + 1);
        JavaFileObject unit = new SimpleJavaFileObject(uri(simple + ".java"), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return source.code();
            }
        };
        List<String> options = new java.util.ArrayList<>(List.of("-classpath", classPath(), "-proc:none", "-nowarn", "-implicit:none"));
        if (source.options().keySet().stream().noneMatch(o -> o.startsWith("-g"))) {
            options.add("-g:none");
        }
        source.options().forEach((k, v) -> {
            options.add(k);
            if (!v.isEmpty()) {
                options.add(v);
            }
        });
        java.io.StringWriter log = new java.io.StringWriter();
        boolean ok = onBigStack(() -> javac.getTask(log, manager, diagnostics, options, null, List.of(unit)).call(), source);
        if (!ok && diagnostics.getDiagnostics().stream().anyMatch(d -> "compiler.err.limit.code".equals(d.getCode()))) {
            throw new org.tornadobatch.device.KernelTooLargeException("the generated kernel is too large for the jvm backend (the JVM"
                    + " takes at most 64 KB of bytecode per method, and this system's step is longer): use fewer states or shorter"
                    + " equations, a method with fewer stages (e.g. rk4 or tsit5 instead of dop853), or a GPU backend", null);
        }
        if (!ok) {
            StringBuilder sb = new StringBuilder("generated kernel " + source.entryPoint() + " does not compile (a bug in"
                    + " tornado-batch; please report it with the source):");
            for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
                if (d.getKind() == Diagnostic.Kind.ERROR) {
                    sb.append("\n  line ").append(d.getLineNumber()).append(": ").append(d.getMessage(null));
                }
            }
            throw new DeviceException(sb.toString());
        }
        compilations++;
        Map<String, byte[]> classes = new HashMap<>();
        out.forEach((k, v) -> classes.put(k, v.toByteArray()));
        LOG.debug("compiled kernel {} in {} ms", source.entryPoint(), (System.nanoTime() - started) / 1_000_000);
        return classes;
    }

    /** The stack javac runs on: it recurses over expressions, and a kernel's may be a thousand levels deep. */
    static final long JAVAC_STACK_BYTES = 512L << 20;

    /** Runs javac on a thread of its own with {@link #JAVAC_STACK_BYTES} of stack (reserved, used only as needed). */
    private static boolean onBigStack(java.util.concurrent.Callable<Boolean> task, KernelSource source) {
        Object[] result = new Object[1];
        Thread t = new Thread(null, () -> {
            try {
                result[0] = task.call();
            } catch (Throwable e) {
                result[0] = e;
            }
        }, "tornado-batch-javac", JAVAC_STACK_BYTES);
        t.setDaemon(true);
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeviceException("interrupted while compiling kernel " + source.entryPoint(), e);
        }
        if (result[0] instanceof Boolean b) {
            return b;
        }
        Throwable e = (Throwable) result[0];
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        throw new org.tornadobatch.device.KernelTooLargeException("the generated kernel is too large for the Java compiler (" + root
                + "); make the system smaller, or split long expressions into auxiliaries", e);
    }

    /** The class path the kernel compiles against: wherever this runtime's classes were loaded from. */
    private static String classPath() {
        try {
            Path here = Path.of(JavaKernelCompiler.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            String cp = System.getProperty("java.class.path", "");
            return cp.isEmpty() ? here.toString() : here + java.io.File.pathSeparator + cp;
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            return System.getProperty("java.class.path", "");
        }
    }

    private static URI uri(String path) {
        return URI.create("string:///" + path);
    }

    private static Map<String, byte[]> readCache(Path dir) {
        Path index = dir.resolve("classes.txt");
        if (!Files.isRegularFile(index)) {
            return null;
        }
        try {
            Map<String, byte[]> classes = new HashMap<>();
            for (String name : Files.readAllLines(index)) {
                if (!name.isBlank()) {
                    classes.put(name, Files.readAllBytes(dir.resolve(name + ".class")));
                }
            }
            LOG.debug("kernel loaded from the disk cache {}", dir);
            return classes;
        } catch (IOException | UncheckedIOException e) {
            LOG.debug("kernel cache {} unreadable ({}); compiling", dir, e.toString());
            return null;
        }
    }

    private static void writeCache(Path dir, Map<String, byte[]> classes) {
        try {
            Files.createDirectories(dir);
            for (Map.Entry<String, byte[]> c : classes.entrySet()) {
                KernelCache.writeAtomically(dir.resolve(c.getKey() + ".class"), c.getValue());
            }
            // The index goes last: a reader that finds it finds every class.
            KernelCache.writeAtomically(dir.resolve("classes.txt"),
                    String.join("\n", classes.keySet()).getBytes(StandardCharsets.UTF_8));
        } catch (IOException | UnsupportedOperationException e) {
            LOG.debug("kernel cache {} not written ({})", dir, e.toString());
        }
    }

    /** Defines a kernel's classes from bytes; one loader per kernel so kernels can be collected. */
    private static final class KernelLoader extends ClassLoader {
        private final Map<String, byte[]> classes;
        private final boolean ownFirst;

        KernelLoader(Map<String, byte[]> classes, boolean ownFirst) {
            super(JavaKernelCompiler.class.getClassLoader());
            this.classes = classes;
            this.ownFirst = ownFirst;
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!ownFirst || !classes.containsKey(name)) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                return c != null ? c : findClass(name);
            }
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            byte[] b = classes.get(name);
            if (b == null) {
                throw new ClassNotFoundException(name);
            }
            return defineClass(name, b, 0, b.length);
        }
    }
}
