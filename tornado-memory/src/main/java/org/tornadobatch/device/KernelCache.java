package org.tornadobatch.device;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Where runtimes keep compiled kernels between processes: {@value #CACHE_PROPERTY}, else
 * {@code $TORNADO_BATCH_CACHE_DIR}, else {@code ~/.cache/tornado-batch}, one folder per runtime ({@code jvm/},
 * {@code cuda/}). Entries are keyed by a SHA-256 of everything that determines the compiled code and written
 * under a temporary name, then renamed, so a reader never sees half an entry.
 */
public final class KernelCache {
    /** System property naming the cache root. */
    public static final String CACHE_PROPERTY = "tornadobatch.cache.dir";

    private KernelCache() {
    }

    /** The cache root in use. */
    public static Path root() {
        String p = System.getProperty(CACHE_PROPERTY);
        if (p == null || p.isBlank()) {
            p = System.getenv("TORNADO_BATCH_CACHE_DIR");
        }
        if (p == null || p.isBlank()) {
            return Path.of(System.getProperty("user.home"), ".cache", "tornado-batch");
        }
        return Path.of(p);
    }

    /** The hex SHA-256 of the parts, each followed by a NUL. */
    public static String key(String... parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String part : parts) {
                md.update(part.getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes {@code bytes} to {@code target} through a temporary file in the same folder and an atomic rename. */
    public static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".tmp");
        try {
            Files.write(tmp, bytes);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
