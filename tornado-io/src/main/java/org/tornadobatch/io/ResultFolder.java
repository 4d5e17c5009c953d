package org.tornadobatch.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tornadobatch.solver.Batch;
import org.tornadobatch.solver.ResultArray;
import org.tornadobatch.solver.SolveResult;

/**
 * A results folder written atomically: everything goes to a hidden sibling {@code .NAME.partial-PID}, which is
 * renamed to {@code NAME} only when complete. A folder called NAME therefore always holds a whole result; an
 * interrupted solve leaves at most the hidden partial folder, which a shutdown hook removes when it can, and
 * which the next solve into the same folder removes once its process is gone (after SIGKILL).
 *
 * <p>While a solve writes NAME it holds a lock on {@code .NAME.lock} beside it (a small hidden file that stays):
 * a second solve into the same NAME is refused at once instead of replacing the first one's result.
 *
 * <p>From Java, {@link #write(SolveResult, Path, boolean)} writes a result in one call. The command line checks the
 * folder before the solve ({@link #check}), takes it ({@link #create}), and then writes and commits or abandons it.
 * Errors about the folder are {@link IllegalArgumentException}s of one line, worded for the caller ({@link Wording}).
 */
public final class ResultFolder {
    private static final Logger LOG = LoggerFactory.getLogger(ResultFolder.class);

    /**
     * How errors name the folder and the way to replace it: {@code --out} and {@code --overwrite} for the command
     * line, plain words for the Java API.
     */
    public record Wording(String folder, String overwrite) {
        public static final Wording CLI = new Wording("--out", "add --overwrite");
        public static final Wording API = new Wording("results folder", "write with overwrite = true");
    }

    private final Path target;
    private final Path partial;
    private final OutLock lock;
    private final Wording words;
    /** The result arrays the solve writes in place, through {@link #store()}: already in their files. */
    private final java.util.Set<String> stored = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** The run grid's files, written beside the solve ({@link #writeGridAhead}) or with the result. */
    private final GridFiles grid;

    private ResultFolder(Path target, OutLock lock, Wording words) throws IOException {
        this.target = target;
        this.lock = lock;
        this.words = words;
        Path parent = target.getParent();
        this.partial = parent.resolve("." + target.getFileName() + ".partial-" + ProcessHandle.current().pid());
        this.grid = new GridFiles(partial);
        removeStale(parent, target.getFileName().toString());
        delete(partial);
        Files.createDirectory(partial);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                delete(partial);
            } catch (IOException e) {
                // nothing more can be done while the JVM stops
            }
            lock.release();
        }, "tornado-batch-partial-cleanup"));
    }

    /**
     * Checks {@code out} before any work: a folder name, not a file nor under one, in a folder that can be written,
     * and not an existing folder unless {@code overwrite}.
     */
    public static void check(Path out, boolean overwrite, Wording words) {
        String label = words.folder();
        if (out.toString().isBlank()) {
            throw new IllegalArgumentException(label + ": empty (expected: the name of a folder to create, e.g. results/run1)");
        }
        if (Files.isRegularFile(out) || (Files.exists(out) && !Files.isDirectory(out))) {
            throw new IllegalArgumentException(label + ": " + out + " is a file (expected: a folder to create; choose another path)");
        }
        if (Files.isDirectory(out) && !overwrite) {
            throw new IllegalArgumentException(label + ": " + out + " already exists (remove it, choose another path, or " + words.overwrite() + ")");
        }
        Path abs = out.toAbsolutePath().normalize();
        if (abs.getParent() == null) {
            throw new IllegalArgumentException(label + ": " + out + " is the root folder (expected: a folder to create)");
        }
        Path existing = abs.getParent();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing != null && !Files.isDirectory(existing)) {
            throw new IllegalArgumentException(label + ": " + out + " is under " + existing + ", which is a file (expected: a folder path;"
                    + " choose another)");
        }
        if (existing != null && !Files.isWritable(existing)) {
            throw new IllegalArgumentException(label + ": " + out + " cannot be created: " + existing + " is not writable (choose another path)");
        }
    }

    /**
     * Takes the folder's lock and creates the partial folder; refused with one line when another solve is writing the
     * same folder or the folder cannot be created.
     */
    public static ResultFolder create(Path out, Wording words) throws IOException {
        String label = words.folder();
        Path target = out.toAbsolutePath().normalize();
        try {
            Files.createDirectories(target.getParent());
        } catch (IOException e) {
            throw new IllegalArgumentException(label + ": " + out + " cannot be created: " + reason(e) + " (choose another path)");
        }
        OutLock lock = OutLock.take(target.resolveSibling("." + target.getFileName() + ".lock"), out, label);
        try {
            return new ResultFolder(target, lock, words);
        } catch (IOException e) {
            lock.release();
            throw new IllegalArgumentException(label + ": cannot write in " + target.getParent() + ": " + reason(e) + " (choose another path)");
        }
    }

    private static String reason(IOException e) {
        return switch (e) {
            case java.nio.file.AccessDeniedException a -> "permission denied";
            case java.nio.file.FileSystemException f when f.getReason() != null -> f.getReason();
            case java.nio.file.FileSystemException f -> "the file system refused to create " + java.nio.file.Path.of(f.getFile()).getFileName();
            default -> e.getMessage() != null ? e.getMessage() : e.toString();
        };
    }

    /** Removes {@code .NAME.partial-PID} and {@code .NAME.old-PID} folders whose process is gone (a SIGKILLed solve's). */
    private static void removeStale(Path parent, String name) throws IOException {
        String partialPrefix = "." + name + ".partial-";
        String oldPrefix = "." + name + ".old-";
        List<Path> stale;
        try (Stream<Path> s = Files.list(parent)) {
            stale = s.filter(p -> {
                String f = p.getFileName().toString();
                String pid = f.startsWith(partialPrefix) ? f.substring(partialPrefix.length())
                        : f.startsWith(oldPrefix) ? f.substring(oldPrefix.length()) : null;
                return pid != null && pid.matches("\\d{1,18}") && ProcessHandle.of(Long.parseLong(pid)).isEmpty();
            }).toList();
        }
        for (Path p : stale) {
            delete(p);
        }
    }

    /**
     * Writes {@code result} into the folder {@code dir} as the command line does (its arrays as {@code .npy}, the run
     * grid, {@code run.json}), complete or not at all: under a temporary name, renamed when done. An existing
     * {@code dir} is replaced only with {@code overwrite}. Returns {@code dir}.
     */
    public static Path write(SolveResult result, Path dir, boolean overwrite) throws IOException {
        check(dir, overwrite, Wording.API);
        ResultFolder folder = create(dir, Wording.API);
        boolean done = false;
        try {
            folder.writeResult(result, RunRecord.of(result, null));
            folder.commit(overwrite);
            done = true;
            return dir;
        } finally {
            if (!done) {
                folder.abandon();
            }
        }
    }

    /**
     * A store whose arrays are the folder's {@code NAME.npy} files, memory-mapped: a solve given it
     * ({@code Solver.solve(batch, time, progress, store)}) copies every chunk's results straight into the files, which
     * {@link #writeResult} then leaves as they are. The page cache writes them to disk meanwhile, and a result larger
     * than memory needs no spill file of its own.
     */
    public org.tornadobatch.solver.ResultStore store() {
        return (name, type, shape) -> {
            Path file = partial.resolve(name + ".npy");
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.CREATE_NEW,
                    java.nio.file.StandardOpenOption.WRITE)) {
                java.nio.ByteBuffer header = NpyWriter.header(type, shape);
                long length = header.remaining();
                while (header.hasRemaining()) {
                    ch.write(header);
                }
                ch.close();
                org.tornadobatch.memory.host.HostArray a = org.tornadobatch.memory.host.HostArrays.mapFile(type, shape, file, length);
                stored.add(name);
                return a;
            } catch (IOException e) {
                throw new org.tornadobatch.TornadoBatchException("cannot create " + file + ": " + reason(e) + " (check the folder's free space)", e);
            }
        };
    }

    /**
     * Starts writing the run grid of {@code batch} ({@code run.npy}, {@code grid/NAME.npy}, and {@code grid.csv} where
     * {@code gridCsv}) on a thread of its own, so that its files are written while the batch is solved; {@link #writeResult}
     * waits for it (and reports its failure), {@link #abandon} waits before removing the folder. Once per folder.
     */
    public void writeGridAhead(Batch batch, boolean gridCsv) {
        grid.startAhead(batch, gridCsv);
    }

    /** Runs up to which the run grid is also written as {@code grid.csv} unless asked otherwise (about 4 MB of text). */
    public static final int GRID_CSV_MAX_RUNS = 100_000;

    /**
     * Writes the arrays, the time, status and step counts, the run grid ({@code grid/NAME.npy} per state and parameter
     * given values, {@code run.npy}, and {@code grid.csv} of every column up to {@link #GRID_CSV_MAX_RUNS} runs) and the
     * JSON record.
     */
    public void writeResult(SolveResult r, Map<String, Object> record) throws IOException {
        writeResult(r, record, r.runs() <= GRID_CSV_MAX_RUNS);
    }

    /**
     * Writes the arrays, the time, status and step counts, the run grid as {@code .npy} columns (and as {@code grid.csv}
     * when {@code gridCsv}) and the JSON record, to which it adds the grid's files ({@code grid}), every file written
     * ({@code files}) and, where the record has {@code run.phases_ms}, the time taken ({@code write}).
     */
    @SuppressWarnings("unchecked")
    public void writeResult(SolveResult r, Map<String, Object> record, boolean gridCsv) throws IOException {
        long started = System.nanoTime();
        for (ResultArray a : r.arrays()) {
            if (!stored.contains(a.name())) {
                NpyWriter.write(partial.resolve(a.name() + ".npy"), a.type(), a.shape(), a.segment());
            }
        }
        NpyWriter.write(partial.resolve("time.npy"), r.time());
        NpyWriter.write(partial.resolve("status.npy"), r.status());
        NpyWriter.write(partial.resolve("accepted_steps.npy"), r.acceptedSteps());
        NpyWriter.write(partial.resolve("rejected_steps.npy"), r.rejectedSteps());
        if (r.usesNewton()) {
            NpyWriter.write(partial.resolve("newton_iterations.npy"), r.newtonIterations());
        }
        if (r.isImplicit()) {
            NpyWriter.write(partial.resolve("jacobian_evaluations.npy"), r.jacobianEvaluations());
            NpyWriter.write(partial.resolve("lu_factorisations.npy"), r.luFactorisations());
        }
        if (r.windowStarts().length > 0) {
            NpyWriter.write(partial.resolve("window_starts.npy"), r.windowStarts());
        }
        if (r.hasRunTimes()) {
            NpyWriter.write(partial.resolve("run_time.npy"), r.runTimes(), r.runs());
        }
        record.put("grid", grid.written(r.batch(), gridCsv));
        ((Map<String, Object>) record.get("grid")).put("csv", gridCsv ? "grid.csv" : null);
        if (record.get("run") instanceof Map<?, ?> run && run.get(RunRecord.PHASES) instanceof Map<?, ?> phases) {
            ((Map<String, Object>) phases).put("write", (System.nanoTime() - started) / 1e6);
        }
        record.put("files", files(partial));
        writeJson(record, partial.resolve("run.json"));
    }

    /** Every file under {@code dir} (its path there, with / between folders) and its size in bytes, in name order. */
    private static List<Map<String, Object>> files(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            List<Map<String, Object>> out = new java.util.ArrayList<>();
            for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
                Map<String, Object> f = new java.util.LinkedHashMap<>();
                f.put("file", dir.relativize(p).toString().replace(java.io.File.separatorChar, '/'));
                f.put("bytes", Files.size(p));
                out.add(f);
            }
            return out;
        }
    }

    private static void writeJson(Map<String, Object> record, Path file) throws IOException {
        try (JsonGenerator g = new JsonFactory().createGenerator(file.toFile(), JsonEncoding.UTF8)) {
            g.useDefaultPrettyPrinter();
            value(g, record);
        }
    }

    @SuppressWarnings("unchecked")
    private static void value(JsonGenerator g, Object v) throws IOException {
        switch (v) {
            case null -> g.writeNull();
            case Map<?, ?> m -> {
                g.writeStartObject();
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    g.writeFieldName(String.valueOf(e.getKey()));
                    value(g, e.getValue());
                }
                g.writeEndObject();
            }
            case List<?> l -> {
                g.writeStartArray();
                for (Object o : l) {
                    value(g, o);
                }
                g.writeEndArray();
            }
            case double[] d -> {
                g.writeStartArray();
                for (double x : d) {
                    value(g, x);
                }
                g.writeEndArray();
            }
            case Double d when d.isNaN() || d.isInfinite() -> g.writeNull(); // JSON has no NaN: null means "not set"
            case Number n -> g.writeNumber(n.toString());
            case Boolean b -> g.writeBoolean(b);
            default -> g.writeString(v.toString());
        }
    }

    /**
     * Renames the partial folder to its name and releases the lock. An existing folder of that name is replaced only
     * with {@code overwrite}; without it, a folder that appeared during the solve is left alone and this fails.
     */
    public void commit(boolean overwrite) throws IOException {
        if (Files.exists(target) && !overwrite) {
            throw new IllegalArgumentException(words.folder() + ": " + target + " was created by another program during the solve; nothing was"
                    + " replaced (choose another path, or " + words.overwrite() + ")");
        }
        if (Files.exists(target)) {
            Path old = target.resolveSibling("." + target.getFileName() + ".old-" + ProcessHandle.current().pid());
            move(target, old);
            move(partial, target);
            delete(old);
        } else {
            move(partial, target);
        }
        lock.release();
    }

    /** Removes the partial folder (after a failure) and releases the lock. */
    public void abandon() {
        grid.awaitQuietly(); // its files go with the folder
        try {
            delete(partial);
        } catch (IOException e) {
            LOG.warn("could not remove {}: {}", partial, e.getMessage());
        }
        lock.release();
    }

    /**
     * An exclusive lock on {@code .NAME.lock}, held for the whole solve (released by the system when the process ends,
     * however it ends). The file stays: a lock file deleted while another solve waits on it would let two solves hold
     * "the" lock at once, and POSIX locks forbid even reading it again from the holder (closing any descriptor of a
     * file drops the process's locks on it). It holds the pid of the last solve that took it.
     */
    static final class OutLock {
        private final java.nio.channels.FileChannel channel;
        private boolean released;

        private OutLock(java.nio.channels.FileChannel channel) {
            this.channel = channel;
        }

        static OutLock take(Path file, Path out, String label) throws IOException {
            java.nio.channels.FileChannel ch;
            try {
                ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
            } catch (IOException e) {
                throw new IllegalArgumentException(label + ": cannot write in " + file.getParent() + ": " + reason(e) + " (choose another path)");
            }
            boolean keep = false;
            try {
                java.nio.channels.FileLock held;
                try {
                    held = ch.tryLock();
                } catch (java.nio.channels.OverlappingFileLockException e) {
                    held = null; // another solve of this JVM holds it
                }
                if (held == null) {
                    String holder = "";
                    try {
                        holder = Files.readString(file).trim(); // this process holds no lock on it: reading is safe
                    } catch (IOException ignored) {
                        // the message goes without the pid
                    }
                    throw new IllegalArgumentException(label + ": " + out + " is being written by another solve"
                            + (holder.matches("\\d+") ? " (pid " + holder + ")" : "") + "; wait for it to finish, or choose another path");
                }
                ch.truncate(0);
                ch.write(java.nio.ByteBuffer.wrap(String.valueOf(ProcessHandle.current().pid()).getBytes(java.nio.charset.StandardCharsets.UTF_8)), 0);
                keep = true;
                return new OutLock(ch);
            } finally {
                if (!keep) {
                    ch.close();
                }
            }
        }

        synchronized void release() {
            if (released) {
                return;
            }
            released = true;
            try {
                channel.close();
            } catch (IOException e) {
                LOG.warn("could not release the lock of the results folder: {}", e.getMessage());
            }
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    static void delete(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }
}
