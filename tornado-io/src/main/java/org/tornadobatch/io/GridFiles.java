package org.tornadobatch.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tornadobatch.HostThreads;
import org.tornadobatch.solver.Batch;

/**
 * A results folder's run grid: {@code run.npy}, {@code grid/NAME.npy} per given variable and, where asked,
 * {@code grid.csv}; written with the result, or ahead of it on a thread of its own while the batch is solved.
 */
final class GridFiles {
    private static final Logger LOG = LoggerFactory.getLogger(GridFiles.class);

    private final Path dir;
    /** The grid's files being written ahead ({@link #startAhead}); null where not started. */
    private java.util.concurrent.CompletableFuture<Map<String, Object>> gridAhead;
    private Batch gridAheadBatch;
    private boolean gridAheadCsv;

    GridFiles(Path dir) {
        this.dir = dir;
    }

    /** Starts writing the grid of {@code batch} (and grid.csv where {@code gridCsv}) on a thread of its own; once. */
    synchronized void startAhead(Batch batch, boolean gridCsv) {
        if (gridAhead != null) {
            throw new IllegalStateException("the run grid is already being written");
        }
        gridAheadBatch = batch;
        gridAheadCsv = gridCsv;
        gridAhead = new java.util.concurrent.CompletableFuture<>();
        Thread.ofPlatform().name("tornado-batch-grid-writer").daemon().start(() -> {
            long t0 = System.nanoTime();
            try {
                Map<String, Object> grid = columns(batch, dir);
                if (gridCsv) {
                    csv(batch, dir.resolve("grid.csv"));
                }
                LOG.debug("run grid written beside the solve in {} ms", Math.round((System.nanoTime() - t0) / 1e6));
                gridAhead.complete(grid);
            } catch (Throwable e) {
                gridAhead.completeExceptionally(e);
            }
        });
    }

    /**
     * The grid written ahead, waited for; null where none was started. Its failure is rethrown as it was thrown; a
     * grid written ahead for another batch or another {@code gridCsv} is refused.
     */
    private Map<String, Object> awaitAhead(Batch b, boolean gridCsv) throws IOException {
        java.util.concurrent.CompletableFuture<Map<String, Object>> f;
        boolean same;
        synchronized (this) {
            f = gridAhead;
            same = gridAheadBatch == b && gridAheadCsv == gridCsv;
        }
        if (f == null) {
            return null;
        }
        Map<String, Object> grid;
        try {
            grid = f.join();
        } catch (java.util.concurrent.CompletionException e) {
            switch (e.getCause()) {
                case IOException io -> throw io;
                case RuntimeException re -> throw re;
                case Error err -> throw err;
                default -> throw e;
            }
        }
        if (!same) {
            throw new IllegalStateException("the run grid written ahead is not this result's batch (or grid.csv choice)");
        }
        return grid;
    }

    /** The record's {@code grid} entry of {@code b}'s files: those written ahead (waited for), else written now. */
    Map<String, Object> written(Batch b, boolean gridCsv) throws IOException {
        Map<String, Object> ahead = awaitAhead(b, gridCsv);
        if (ahead != null) {
            return ahead;
        }
        Map<String, Object> grid = columns(b, dir);
        if (gridCsv) {
            csv(b, dir.resolve("grid.csv"));
        }
        return grid;
    }

    /** Waits for the grid written ahead, if any, ignoring its failure (the folder is being abandoned). */
    void awaitQuietly() {
        java.util.concurrent.CompletableFuture<Map<String, Object>> f;
        synchronized (this) {
            f = gridAhead;
        }
        if (f != null) {
            try {
                f.join();
            } catch (RuntimeException ignored) {
                // the solve's failure is the one to report
            }
        }
    }

    /**
     * The run grid as NumPy columns: {@code run.npy} (the run index, int32) and {@code grid/NAME.npy} (float64, a value per
     * run) for each state (its initial value) and parameter given values (swept, set or read from a table); the others
     * hold their defaults in every run, which the record's {@code grid} entry lists under {@code defaults}. Returns
     * that entry.
     */
    private static Map<String, Object> columns(Batch b, Path dir) throws IOException {
        Path grid = Files.createDirectory(dir.resolve("grid"));
        NpyWriter.writeIndex(dir.resolve("run.npy"), b.runs());
        Map<String, Object> columns = new java.util.LinkedHashMap<>();
        Map<String, Object> defaults = new java.util.LinkedHashMap<>();
        List<String> names = b.columns();
        int states = b.system().states().size();
        for (int c = 0; c < names.size(); c++) {
            String name = names.get(c);
            if (b.givenColumns().contains(name)) {
                NpyWriter.write(grid.resolve(name + ".npy"), c < states ? b.stateColumn(c) : b.parameterColumn(c - states));
                columns.put(name, "grid/" + name + ".npy");
            } else {
                defaults.put(name, b.value(c, 0));
            }
        }
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("runs", b.runs());
        m.put("index", "run.npy");
        m.put("columns", columns);
        m.put("defaults", defaults);
        return m;
    }

    /**
     * grid.csv: the header through commons-csv (which quotes a name where needed), the rows formatted in blocks on
     * all cores and written in order. Values are finite numbers and run indices, which CSV never quotes, so the
     * bytes are those of printing every row through {@link CSVPrinter} (CRLF records), about five times faster
     * (10^6 runs of Lorenz: 0.6 s against 0.12 s warm, 1.65 s against 0.21 s in a fresh JVM, on the 2-core build
     * machine).
     */
    private static void csv(Batch b, Path file) throws IOException {
        List<String> cols = b.columns();
        int n = b.runs();
        int blocks = Math.max(1, Math.min(256, n / 4096));
        byte[][] rows = HostThreads.parallel(() -> IntStream.range(0, blocks).parallel().mapToObj(k -> {
            StringBuilder sb = new StringBuilder();
            for (int r = (int) ((long) n * k / blocks), end = (int) ((long) n * (k + 1) / blocks); r < end; r++) {
                sb.append(r);
                for (int c = 0; c < cols.size(); c++) {
                    sb.append(',').append(b.value(c, r));
                }
                sb.append("\r\n");
            }
            return sb.toString().getBytes(StandardCharsets.UTF_8);
        }).toArray(byte[][]::new));
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
            CSVPrinter header = new CSVPrinter(w, CSVFormat.DEFAULT);
            header.printRecord(Stream.concat(Stream.of("run"), cols.stream()).toArray());
            header.flush();
            for (byte[] block : rows) {
                out.write(block);
            }
        }
    }
}
