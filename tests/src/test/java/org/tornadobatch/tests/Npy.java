package org.tornadobatch.tests;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads the float64 and int32 .npy files the command line writes (version 1, little-endian, C order). */
final class Npy {
    private Npy() {
    }

    /** The values of a float64 array, flattened in C order. */
    static double[] doubles(Path file) throws IOException {
        ByteBuffer b = body(file, "'<f8'");
        double[] out = new double[b.remaining() / 8];
        b.asDoubleBuffer().get(out);
        return out;
    }

    /** The values of an int32 array. */
    static int[] ints(Path file) throws IOException {
        ByteBuffer b = body(file, "'<i4'");
        int[] out = new int[b.remaining() / 4];
        b.asIntBuffer().get(out);
        return out;
    }

    private static ByteBuffer body(Path file, String descr) throws IOException {
        byte[] all = Files.readAllBytes(file);
        int headerLength = (all[8] & 0xff) | (all[9] & 0xff) << 8;
        String header = new String(all, 10, headerLength, java.nio.charset.StandardCharsets.US_ASCII);
        if (!header.contains(descr)) {
            throw new IllegalStateException(file + ": " + header + " (expected " + descr + ")");
        }
        return ByteBuffer.wrap(all, 10 + headerLength, all.length - 10 - headerLength).slice().order(ByteOrder.LITTLE_ENDIAN);
    }
}
