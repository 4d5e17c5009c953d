package org.tornadobatch.cli;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.tornadobatch.solver.Batch;
import org.tornadobatch.solver.ResultArray;
import org.tornadobatch.solver.SolveResult;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

/**
 * A results folder written atomically: everything goes to a hidden sibling {@code .NAME.partial-PID}, which is
 * renamed to {@code NAME} only when complete. A folder called NAME therefore always holds a whole result; an
 * interrupted solve leaves at most the hidden partial folder, which a shutdown hook removes when it can.
 */
final class ResultFolder {
    private final Path target;
    private final Path partial;

    private ResultFolder(Path target) throws IOException {
        this.target = target.toAbsolutePath().normalize();
        Path parent = this.target.getParent();
        Files.createDirectories(parent);
        this.partial = parent.resolve("." + this.target.getFileName() + ".partial-" + ProcessHandle.current().pid());
        delete(partial);
        Files.createDirectory(partial);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                delete(partial);
            } catch (IOException e) {
                // nothing more can be done while the JVM stops
            }
        }, "tornado-batch-partial-cleanup"));
    }

    /** Checks {@code out} before any work: it may not be a file, nor an existing folder unless {@code overwrite}. */
    static void check(Path out, boolean overwrite) {
        if (Files.isRegularFile(out) || (Files.exists(out) && !Files.isDirectory(out))) {
            throw new IllegalArgumentException("--out: " + out + " is a file (expected: a folder to create; choose another path)");
        }
        if (Files.isDirectory(out) && !overwrite) {
            throw new IllegalArgumentException("--out: " + out + " already exists (remove it, choose another path, or add --overwrite)");
        }
    }

    static ResultFolder create(Path out) throws IOException {
        return new ResultFolder(out);
    }

    Path partialPath() {
        return partial;
    }

    /** Writes the arrays, the time, status and step counts, the run grid and the JSON record. */
    void writeResult(SolveResult r, Map<String, Object> record) throws IOException {
        for (ResultArray a : r.arrays()) {
            NpyWriter.write(partial.resolve(a.name() + ".npy"), a.type(), a.shape(), a.segment());
        }
        NpyWriter.write(partial.resolve("time.npy"), r.time());
        NpyWriter.write(partial.resolve("status.npy"), r.status());
        NpyWriter.write(partial.resolve("accepted_steps.npy"), r.acceptedSteps());
        NpyWriter.write(partial.resolve("rejected_steps.npy"), r.rejectedSteps());
        if (r.windowStarts().length > 0) {
            NpyWriter.write(partial.resolve("window_starts.npy"), r.windowStarts());
        }
        writeGrid(r.batch(), partial.resolve("grid.csv"));
        writeJson(record, partial.resolve("run.json"));
    }

    private static void writeGrid(Batch b, Path file) throws IOException {
        List<String> cols = b.columns();
        try (Writer w = Files.newBufferedWriter(file);
             CSVPrinter csv = new CSVPrinter(w, CSVFormat.DEFAULT.builder().setHeader(Stream.concat(Stream.of("run"),
                     cols.stream()).toArray(String[]::new)).get())) {
            for (int r = 0; r < b.runs(); r++) {
                csv.print(r);
                for (int c = 0; c < cols.size(); c++) {
                    csv.print(b.value(c, r));
                }
                csv.println();
            }
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
                    g.writeNumber(x);
                }
                g.writeEndArray();
            }
            case Double d when d.isNaN() || d.isInfinite() -> g.writeString(d.toString());
            case Number n -> g.writeNumber(n.toString());
            case Boolean b -> g.writeBoolean(b);
            default -> g.writeString(v.toString());
        }
    }

    /** Renames the partial folder to its name; an existing folder of that name is replaced. */
    void commit() throws IOException {
        if (Files.exists(target)) {
            Path old = target.resolveSibling("." + target.getFileName() + ".old-" + ProcessHandle.current().pid());
            move(target, old);
            move(partial, target);
            delete(old);
        } else {
            move(partial, target);
        }
    }

    /** Removes the partial folder (after a failure). */
    void abandon() {
        try {
            delete(partial);
        } catch (IOException e) {
            System.err.println("tornado-batch: could not remove " + partial + ": " + e.getMessage());
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
