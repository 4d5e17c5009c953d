package org.tornadobatch.io;

import java.io.IOException;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.tornadobatch.solver.Drivers;

/**
 * Drivers' samples from files, as the command line takes them: a CSV file with one column per driver (named in the
 * header) and, optionally, a {@code t} column of equally spaced, increasing sample times; or one {@code .npy} file
 * (float64 or float32, as NumPy saves it) per driver: 1-D, samples shared by every run, or 2-D (runs, samples), each
 * run's own. Without a {@code t} column the sample spacing must be given. Errors name the file and, for CSV, the line.
 */
public final class DriverFiles {
    private static final Pattern NPY_HEADER = Pattern.compile(
            "\\{'descr': '([<>|=]?[a-z]\\d+)', 'fortran_order': (True|False), 'shape': \\((\\d*)(?:, ?(\\d+))?,?\\), \\}\\s*");

    private DriverFiles() {
    }

    /**
     * The drivers of a CSV file: every column but {@code t} is a driver's samples. With a {@code t} column its first
     * value is {@code t0} and its spacing {@code dt} (equal within 1e-9 relative; {@code dt} and {@code t0} given here
     * must then be null or agree); without one, {@code dt} must be given and {@code t0} defaults to 0.
     */
    public static Drivers csv(Path file, Double dt, Double t0) throws IOException {
        try (Reader in = Files.newBufferedReader(file);
             CSVParser csv = BatchCsv.CSV.parse(in)) {
            List<String> header = csv.getHeaderNames();
            Map<String, List<Double>> columns = new LinkedHashMap<>();
            header.forEach(h -> columns.put(h, new ArrayList<>()));
            for (CSVRecord rec : csv) {
                BatchCsv.checkCells(file, csv.getCurrentLineNumber(), rec, header);
                for (int c = 0; c < header.size(); c++) {
                    columns.get(header.get(c)).add(BatchCsv.number(file, csv.getCurrentLineNumber(), header.get(c), rec.get(c)));
                }
            }
            List<Double> times = columns.remove("t");
            if (columns.isEmpty()) {
                throw new IllegalArgumentException(file + ": no driver columns (expected: a header naming the drivers, and optionally t)");
            }
            if (columns.values().iterator().next().isEmpty()) {
                throw new IllegalArgumentException(file + ": no rows (expected: one row per sample after the header)");
            }
            Map<String, double[]> samples = new LinkedHashMap<>();
            columns.forEach((name, v) -> samples.put(name, v.stream().mapToDouble(Double::doubleValue).toArray()));
            if (times == null) {
                return sampled(file, samples, requireDt(dt, file + " has no t column"), t0 == null ? 0 : t0);
            }
            double[] t = times.stream().mapToDouble(Double::doubleValue).toArray();
            double spacing = spacing(file, t);
            if (dt != null && Math.abs(dt - spacing) > 1e-9 * spacing) {
                throw new IllegalArgumentException("--driver-dt: " + dt + " (expected: " + spacing + ", the spacing of " + file
                        + "'s t column, or leave it out)");
            }
            if (t0 != null && t0 != t[0]) {
                throw new IllegalArgumentException("--driver-t0: " + t0 + " (expected: " + t[0] + ", the first time of " + file
                        + "'s t column, or leave it out)");
            }
            return sampled(file, samples, spacing, t[0]);
        } catch (IllegalStateException | java.io.UncheckedIOException e) { // commons-csv's header and parse errors
            throw new IllegalArgumentException(file + ": " + (e.getMessage() != null ? e.getMessage() : e.toString()));
        }
    }

    /**
     * Drivers from one {@code .npy} file of samples per driver name, {@code dt} apart from {@code t0} (default 0): all
     * 1-D (shared by every run) or all 2-D, (runs, samples) in C order (per run).
     */
    public static Drivers npy(Map<String, Path> files, Double dt, Double t0) throws IOException {
        Map<String, double[][]> samples = new LinkedHashMap<>();
        Map<Boolean, List<String>> byKind = new java.util.TreeMap<>();
        for (Map.Entry<String, Path> e : files.entrySet()) {
            Npy a = npySamples(e.getValue());
            samples.put(e.getKey(), a.rows());
            byKind.computeIfAbsent(a.perRun(), k -> new java.util.ArrayList<>()).add(e.getKey());
        }
        if (byKind.size() > 1) {
            throw new IllegalArgumentException("--driver: " + byKind.get(false) + " 1-D (shared by every run) but " + byKind.get(true)
                    + " 2-D (per run) (expected: all 1-D, or all 2-D of shape (runs, samples))");
        }
        double step = requireDt(dt, ".npy files hold no times");
        double start = t0 == null ? 0 : t0;
        Path first = files.values().iterator().next();
        try {
            if (byKind.containsKey(true)) {
                return Drivers.perRun(start, step, samples);
            }
            Map<String, double[]> shared = new LinkedHashMap<>();
            samples.forEach((name, rows) -> shared.put(name, rows[0]));
            return Drivers.sampled(start, step, shared);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(first + ": " + e.getMessage(), e);
        }
    }

    /** A {@code .npy} file's samples: one row (1-D), or one per run (2-D). */
    record Npy(double[][] rows, boolean perRun) {
    }

    /** The values of a 1-D or 2-D (C order) float64 or float32 {@code .npy} file (version 1 to 3, little-endian). */
    static Npy npySamples(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        if (all.length < 10 || (all[0] & 0xff) != 0x93 || !new String(all, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY")) {
            throw new IllegalArgumentException(file + ": not a .npy file (expected: an array saved by numpy.save)");
        }
        int major = all[6];
        int headerLength = major == 1 ? (all[8] & 0xff) | (all[9] & 0xff) << 8
                : (all[8] & 0xff) | (all[9] & 0xff) << 8 | (all[10] & 0xff) << 16 | (all[11] & 0xff) << 24;
        int start = (major == 1 ? 10 : 12) + headerLength;
        String header = new String(all, major == 1 ? 10 : 12, headerLength, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Matcher m = NPY_HEADER.matcher(header);
        if (!m.matches() || m.group(3).isEmpty() || (m.group(4) != null && m.group(2).equals("True"))) {
            throw new IllegalArgumentException(file + ": header " + header.trim() + " (expected: a 1-D array of samples, or a 2-D"
                    + " array in C order, one row of samples per run)");
        }
        String descr = m.group(1);
        boolean perRun = m.group(4) != null;
        int runs = perRun ? Integer.parseInt(m.group(3)) : 1;
        int n = Integer.parseInt(perRun ? m.group(4) : m.group(3));
        long count = (long) runs * n;
        int width = descr.endsWith("8") ? 8 : 4;
        if (!(descr.equals("<f8") || descr.equals("<f4")) || (long) count * width != all.length - start) {
            throw new IllegalArgumentException(file + ": dtype " + descr + ", " + count + " values in " + (all.length - start)
                    + " bytes (expected: little-endian float64 or float32, e.g. numpy.save(path, samples.astype('f8')))");
        }
        ByteBuffer b = ByteBuffer.wrap(all, start, all.length - start).order(ByteOrder.LITTLE_ENDIAN);
        double[][] out = new double[runs][n];
        for (double[] row : out) {
            for (int k = 0; k < n; k++) {
                row[k] = width == 8 ? b.getDouble() : b.getFloat();
            }
        }
        return new Npy(out, perRun);
    }

    private static double requireDt(Double dt, String why) {
        if (dt == null) {
            throw new IllegalArgumentException("--driver-dt: missing (expected: the samples' spacing in time; " + why + ")");
        }
        return dt;
    }

    private static Drivers sampled(Path file, Map<String, double[]> samples, double dt, double t0) {
        try {
            return Drivers.sampled(t0, dt, samples);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    private static double spacing(Path file, double[] t) {
        if (t.length < 2) {
            throw new IllegalArgumentException(file + ": t has " + t.length + " value (expected: at least 2 sample times)");
        }
        double first = t[1] - t[0];
        for (int k = 1; k < t.length; k++) {
            if (!(Math.abs(t[k] - t[k - 1] - first) <= 1e-9 * Math.abs(first)) || !(first > 0)) {
                throw new IllegalArgumentException(file + ": t[" + k + "] = " + t[k] + " after " + t[k - 1] + " (expected: increasing times "
                        + "equally spaced, " + first + " apart as the first two are)");
            }
        }
        return (t[t.length - 1] - t[0]) / (t.length - 1); // the mean spacing: the last sample's time exactly
    }

    /** The interpolation named {@code linear} or {@code cubic}. */
    public static Drivers.Interpolation interpolation(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "linear" -> Drivers.Interpolation.LINEAR;
            case "cubic" -> Drivers.Interpolation.CUBIC;
            default -> throw new IllegalArgumentException("--driver-interpolation: " + name + " (expected: linear or cubic)");
        };
    }

    /** The ends named {@code clamp} or {@code wrap}. */
    public static Drivers.Ends ends(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "clamp" -> Drivers.Ends.CLAMP;
            case "wrap" -> Drivers.Ends.WRAP;
            default -> throw new IllegalArgumentException("--driver-ends: " + name + " (expected: clamp or wrap)");
        };
    }
}
