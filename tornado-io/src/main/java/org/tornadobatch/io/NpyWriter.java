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
import org.tornadobatch.solver.RunColumn;

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

    /**
     * A float64 vector of a run column's values ({@code grid/NAME.npy}), computed 4 MB at a time into one direct buffer
     * as it is written: no array of every run's value.
     */
    static void write(Path file, RunColumn column) throws IOException {
        blocks(file, ElementType.FLOAT64, column.runs(), (buf, from, n) -> {
            double[] v = new double[n];
            column.copyTo(v, 0, from, n);
            buf.asDoubleBuffer().put(v);
        });
    }

    /** The int32 vector 0, 1, ..., {@code runs - 1} ({@code run.npy}), written as {@link #write(Path, RunColumn)}. */
    static void writeIndex(Path file, int runs) throws IOException {
        blocks(file, ElementType.INT32, runs, (buf, from, n) -> {
            int[] v = new int[n];
            for (int i = 0; i < n; i++) {
                v[i] = (int) from + i;
            }
            buf.asIntBuffer().put(v);
        });
    }

    private interface Block {
        void fill(ByteBuffer buf, long from, int n);
    }

    private static void blocks(Path file, ElementType type, int length, Block block) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            writeFully(ch, header(type, new long[] {length}));
            int per = (1 << 22) / type.bytes();
            ByteBuffer b = ByteBuffer.allocateDirect(1 << 22).order(ByteOrder.LITTLE_ENDIAN);
            for (long from = 0; from < length; from += per) {
                int n = (int) Math.min(per, length - from);
                b.clear();
                block.fill(b, from, n);
                b.limit(n * type.bytes());
                writeFully(ch, b);
            }
        }
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
