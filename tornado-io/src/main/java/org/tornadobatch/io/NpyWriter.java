package org.tornadobatch.io;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.tornadobatch.memory.ElementType;

/**
 * Writes NumPy {@code .npy} files (format version 1.0, C order, little-endian), readable by {@code numpy.load}.
 * The format is a fixed magic, a Python-literal header padded to 64 bytes, then the raw data.
 */
final class NpyWriter {
    private NpyWriter() {
    }

    static void write(Path file, ElementType type, long[] shape, MemorySegment data) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            writeFully(ch, header(type, shape));
            if (data.isNative() || data.heapBase().orElse(null) instanceof byte[]) {
                long chunk = 1L << 30;
                for (long off = 0; off < data.byteSize(); off += chunk) {
                    writeFully(ch, data.asSlice(off, Math.min(chunk, data.byteSize() - off)).asByteBuffer());
                }
            } else { // a heap segment of another array type turns into no byte buffer: through a direct one, 4 MB at a time
                ByteBuffer b = ByteBuffer.allocateDirect(1 << 22);
                MemorySegment buf = MemorySegment.ofBuffer(b);
                for (long off = 0; off < data.byteSize(); off += b.capacity()) {
                    long n = Math.min(b.capacity(), data.byteSize() - off);
                    MemorySegment.copy(data, off, buf, 0, n);
                    b.clear().limit((int) n);
                    writeFully(ch, b);
                }
            }
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** The magic, version, header length and header of an array of {@code type} and {@code shape}. */
    static ByteBuffer header(ElementType type, long[] shape) throws IOException {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new IOException("writing .npy on a big-endian host is not supported");
        }
        String descr = switch (type) {
            case FLOAT64 -> "<f8";
            case FLOAT32 -> "<f4";
            case INT32 -> "<i4";
        };
        StringBuilder dims = new StringBuilder();
        for (long d : shape) {
            dims.append(d).append(", ");
        }
        String dimText = shape.length == 1 ? dims.toString().trim() : dims.substring(0, Math.max(0, dims.length() - 2));
        String header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dimText + "), }";
        int unpadded = 10 + header.length() + 1;
        int total = (unpadded + 63) / 64 * 64;
        header = header + " ".repeat(total - unpadded) + "\n";
        ByteBuffer head = ByteBuffer.allocate(10 + header.length()).order(ByteOrder.LITTLE_ENDIAN);
        head.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        head.putShort((short) header.length()).put(header.getBytes(StandardCharsets.US_ASCII)).flip();
        return head;
    }

    static void write(Path file, double[] values) throws IOException {
        write(file, ElementType.FLOAT64, new long[] {values.length}, MemorySegment.ofArray(values));
    }

    static void write(Path file, int[] values) throws IOException {
        write(file, ElementType.INT32, new long[] {values.length}, MemorySegment.ofArray(values));
    }

    /** A (rows, columns) float64 array, row-major. */
    static void write(Path file, double[][] rows, int columns) throws IOException {
        MemorySegment b = MemorySegment.ofArray(new byte[Math.toIntExact((long) rows.length * columns * 8)]);
        for (int i = 0; i < rows.length; i++) {
            MemorySegment.copy(rows[i], 0, b, java.lang.foreign.ValueLayout.JAVA_DOUBLE_UNALIGNED, (long) i * columns * 8, columns);
        }
        write(file, ElementType.FLOAT64, new long[] {rows.length, columns}, b);
    }
}
