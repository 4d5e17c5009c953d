package org.tornadobatch.tests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the project's shell scripts in a controlled environment. */
final class Scripts {

    /** What a finished script printed and returned. */
    record Result(int exitCode, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }

    private Scripts() {
    }

    /** The project's root folder (set by Surefire; falls back to the parent of the working directory). */
    static Path root() {
        String p = System.getProperty("tornadobatch.root");
        Path root = p != null ? Path.of(p) : Path.of("").toAbsolutePath().getParent();
        return root.toAbsolutePath().normalize();
    }

    /** Runs {@code bash -c script} in the project root with {@code env} added to (or, for null values, removed from) the environment. */
    static Result bash(String script, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(List.of("bash", "-c", script)).directory(root().toFile());
        env.forEach((k, v) -> {
            if (v == null) {
                pb.environment().remove(k);
            } else {
                pb.environment().put(k, v);
            }
        });
        Path out = Files.createTempFile("script", ".out");
        Path err = Files.createTempFile("script", ".err");
        try {
            Process proc = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!proc.waitFor(300, TimeUnit.SECONDS)) {
                proc.destroyForcibly();
                throw new IllegalStateException("script did not finish within 300 s: " + script);
            }
            return new Result(proc.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Writes an executable file. */
    static Path executable(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }

    /** A fake JDK of the given version: a release file, and bin/java, bin/javac that print it. */
    static Path fakeJdk(Path dir, String version) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("release"), "JAVA_VERSION=\"" + version + "\"\n");
        String java = "#!/bin/sh\necho 'openjdk version \"" + version + "\"' >&2\n";
        executable(dir.resolve("bin/java"), java);
        executable(dir.resolve("bin/javac"), "#!/bin/sh\necho javac " + version + "\n");
        return dir;
    }
}
