package org.tornadobatch.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.tornadobatch.io.DriverFiles;
import org.tornadobatch.solver.Drivers;
import org.tornadobatch.system.OdeSystem;
import picocli.CommandLine.Option;

/** {@code solve}'s options for the samples of a system's drivers (shared by every run, or per run from 2-D .npy files). */
final class DriverOptions {
    @Option(names = "--drivers", paramLabel = "FILE.csv",
            description = "Drivers' samples: a column per driver, and optionally t (equally spaced sample times).")
    Path csv;

    @Option(names = "--driver", paramLabel = "NAME=FILE.npy", description = "One driver's samples, a float64 or float32 .npy: 1-D shared by every run, or 2-D (runs, samples), a row per run (repeatable).")
    List<String> npy = new java.util.ArrayList<>();

    @Option(names = "--driver-dt", description = "Spacing of the samples in time (required without a t column).")
    Double dt;

    @Option(names = "--driver-t0", description = "Time of the first sample (default: the t column's first, or 0).")
    Double t0;

    @Option(names = "--driver-interpolation", paramLabel = "linear|cubic", defaultValue = "linear",
            description = "Between samples (default: ${DEFAULT-VALUE}).")
    String interpolation;

    @Option(names = "--driver-ends", paramLabel = "clamp|wrap", defaultValue = "clamp",
            description = "Beyond the samples: the end values held, or the samples repeated as one period (default: ${DEFAULT-VALUE}).")
    String ends;

    /** The drivers {@code system} reads, from the files given; null for a system without drivers (and none given). */
    Drivers load(OdeSystem system, Path systemFile) throws IOException {
        Drivers.Interpolation i = DriverFiles.interpolation(interpolation);
        Drivers.Ends e = DriverFiles.ends(ends);
        if (csv == null && npy.isEmpty()) {
            if (!system.drivers().isEmpty()) {
                throw new IllegalArgumentException(systemFile + ": declares the drivers " + system.drivers() + " (expected: their samples, with"
                        + " --drivers FILE.csv holding a column per driver, or --driver NAME=FILE.npy for each)");
            }
            if (dt != null || t0 != null) {
                throw new IllegalArgumentException("--driver-dt/--driver-t0: given without --drivers or --driver (expected: samples to go with them)");
            }
            return null;
        }
        if (system.drivers().isEmpty()) {
            throw new IllegalArgumentException(systemFile + ": declares no drivers (expected: a drivers: section naming them, or"
                    + " no --drivers/--driver)");
        }
        if (csv != null && !npy.isEmpty()) {
            throw new IllegalArgumentException("--drivers and --driver: both given (expected: one CSV file, or one .npy per driver)");
        }
        Drivers d;
        if (csv != null) {
            d = DriverFiles.csv(existing(csv, "--drivers"), dt, t0);
        } else {
            Map<String, Path> files = new LinkedHashMap<>();
            for (String s : npy) {
                String[] kv = OptionValues.split(s, "--driver", "NAME=FILE.npy");
                if (files.put(kv[0], existing(Path.of(kv[1]), "--driver")) != null) {
                    throw new IllegalArgumentException("--driver " + kv[0] + ": given twice (expected: once per driver)");
                }
            }
            d = DriverFiles.npy(files, dt, t0);
        }
        d = d.with(i, e);
        d.check(system);
        return d;
    }

    private static Path existing(Path p, String option) {
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException(option + ": " + p + " is not a file (expected: a readable file of samples)");
        }
        return p;
    }
}
