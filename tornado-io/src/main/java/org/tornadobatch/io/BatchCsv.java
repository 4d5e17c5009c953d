package org.tornadobatch.io;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.commons.csv.DuplicateHeaderMode;
import org.tornadobatch.solver.Batch;
import org.tornadobatch.system.OdeSystem;

/**
 * Runs from a CSV file (through commons-csv): a header of variable names and one row per run; an optional
 * {@code run} column is ignored, as are blank lines and lines starting with {@code #}. Every cell must be a finite
 * number, and a row must have as many cells as the header; errors name the file's line.
 */
public final class BatchCsv {
    /** The CSV dialect of every file the project reads: a header, trimmed cells, blank lines and {@code #} comments skipped. */
    static final CSVFormat CSV = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).setTrim(true)
            .setIgnoreEmptyLines(true).setCommentMarker('#').setDuplicateHeaderMode(DuplicateHeaderMode.DISALLOW)
            .setAllowMissingColumnNames(false).get();

    private BatchCsv() {
    }

    /** The batch of {@code system} whose runs are the file's rows; variables without a column keep their defaults. */
    public static Batch read(OdeSystem system, Path file) throws IOException {
        try (Reader in = Files.newBufferedReader(file);
             CSVParser csv = CSV.parse(in)) {
            List<String> all = csv.getHeaderNames();
            List<String> header = columns(file, all);
            for (String h : header) {
                try {
                    Batch.checkVariable(system, h);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(file + ": column " + e.getMessage(), e);
                }
            }
            int[] at = header.stream().mapToInt(all::indexOf).toArray();
            List<double[]> rows = new ArrayList<>();
            Iterator<CSVRecord> it = csv.iterator();
            while (true) {
                CSVRecord rec;
                try {
                    if (!it.hasNext()) {
                        break;
                    }
                    rec = it.next();
                } catch (java.io.UncheckedIOException e) {
                    throw new IllegalArgumentException(file + ":" + (csv.getCurrentLineNumber() + 1) + ": " + e.getCause().getMessage());
                }
                rows.add(row(file, csv.getCurrentLineNumber(), rec, all, header, at));
            }
            if (rows.isEmpty()) {
                throw new IllegalArgumentException(file + ": no rows (expected: one row per run after the header)");
            }
            Batch.checkHeap(system, rows.size());
            double[][] cols = new double[header.size()][rows.size()];
            for (int r = 0; r < rows.size(); r++) {
                for (int c = 0; c < header.size(); c++) {
                    cols[c][r] = rows.get(r)[c];
                }
            }
            return Batch.fromArray(system, header, cols);
        } catch (IllegalStateException | java.io.UncheckedIOException e) { // commons-csv's header errors
            throw new IllegalArgumentException(file + ": " + (e.getMessage() != null ? e.getMessage() : e.toString()));
        }
    }

    private static double[] row(Path file, long line, CSVRecord rec, List<String> all, List<String> header, int[] at) {
        checkCells(file, line, rec, all);
        double[] row = new double[at.length];
        for (int c = 0; c < at.length; c++) {
            row[c] = number(file, line, header.get(c), rec.get(at[c]));
        }
        return row;
    }

    /** Refuses a record of {@code file} (at {@code line}) without one cell per header column. */
    static void checkCells(Path file, long line, CSVRecord rec, List<String> header) {
        if (rec.size() != header.size()) {
            throw new IllegalArgumentException(file + ":" + line + ": " + rec.size() + " cells (expected: " + header.size()
                    + ", one per header column " + header + ")");
        }
    }

    /** The finite number in {@code cell} of {@code column}; else an error naming the file, line and column. */
    static double number(Path file, long line, String column, String cell) {
        double v;
        try {
            v = Double.parseDouble(cell);
        } catch (NumberFormatException e) {
            v = Double.NaN;
        }
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException(file + ":" + line + ": column '" + column + "': '" + cell + "' (expected: a finite number)");
        }
        return v;
    }

    /** The variable columns of a CSV file for {@link #read}: its header without {@code run}. */
    public static List<String> columns(Path file) throws IOException {
        try (Reader in = Files.newBufferedReader(file);
             CSVParser csv = CSV.parse(in)) {
            return columns(file, csv.getHeaderNames());
        } catch (IllegalStateException | java.io.UncheckedIOException e) {
            throw new IllegalArgumentException(file + ": " + (e.getMessage() != null ? e.getMessage() : e.toString()));
        }
    }

    private static List<String> columns(Path file, List<String> all) {
        List<String> header = new ArrayList<>(all);
        header.removeIf(h -> h.equals("run"));
        if (header.isEmpty()) {
            throw new IllegalArgumentException(file + ": no variable columns (expected a header naming states or parameters)");
        }
        return header;
    }
}
