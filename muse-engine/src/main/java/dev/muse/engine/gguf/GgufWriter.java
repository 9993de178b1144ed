package dev.muse.engine.gguf;

import dev.muse.engine.tensor.GgmlType;
import dev.muse.engine.tensor.Quantizer;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes GGUF version 3 files: metadata then tensors, each tensor aligned. Value types follow what llama.cpp
 * expects: {@code Integer} → UINT32, {@code Long} → UINT64, {@code Float} → FLOAT32, {@code Double} → FLOAT64,
 * {@code Boolean}, {@code String}, {@code List} (element type from its first element); use {@link #typed} to pick
 * another integer type (for example INT32 for {@code tokenizer.ggml.token_type}).
 */
public final class GgufWriter {

    /** A value with an explicit GGUF type; for arrays, {@code type} is the element type. */
    public record Typed(GgufValueType type, Object value) {}

    /** Produces a tensor's bytes when the file is written, so a large model never sits in memory whole. */
    @FunctionalInterface
    public interface TensorData {
        void writeTo(OutputStream out) throws IOException;
    }

    private record PendingTensor(String name, GgmlType type, long[] shape, long size, TensorData data) {}

    private final Map<String, Object> metadata = new LinkedHashMap<>();
    private final List<PendingTensor> tensors = new ArrayList<>();
    private final int alignment;

    public GgufWriter() {
        this(GgufFile.DEFAULT_ALIGNMENT);
    }

    public GgufWriter(int alignment) {
        if (alignment <= 0 || Integer.bitCount(alignment) != 1) throw new IllegalArgumentException("alignment must be a power of two");
        this.alignment = alignment;
        if (alignment != GgufFile.DEFAULT_ALIGNMENT) metadata.put("general.alignment", alignment);
    }

    public static Typed typed(GgufValueType type, Object value) {
        return new Typed(type, value);
    }

    public GgufWriter put(String key, Object value) {
        metadata.put(key, value);
        return this;
    }

    /** Adds a tensor whose bytes are already in {@code type}'s layout. */
    public GgufWriter tensor(String name, GgmlType type, long[] shape, byte[] data) {
        tensors.add(new PendingTensor(name, type, shape.clone(), data.length, o -> o.write(data)));
        return this;
    }

    /**
     * Adds a tensor whose bytes ({@code type}'s layout, exactly as many as the shape needs) are written by
     * {@code data} when the file is written.
     */
    public GgufWriter tensor(String name, GgmlType type, long[] shape, TensorData data) {
        long elements = 1;
        for (long d : shape) elements = Math.multiplyExact(elements, d);
        tensors.add(new PendingTensor(name, type, shape.clone(), type.bytesFor(elements), data));
        return this;
    }

    /** Adds a tensor, quantising {@code values} to {@code type}. */
    public GgufWriter tensor(String name, GgmlType type, long[] shape, float[] values) {
        return tensor(name, type, shape, Quantizer.quantize(type, values));
    }

    public void write(Path path) throws IOException {
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(path), 1 << 16)) {
            write(os);
        }
    }

    public byte[] toBytes() {
        var bos = new java.io.ByteArrayOutputStream();
        try {
            write(bos);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bos.toByteArray();
    }

    private void write(OutputStream os) throws IOException {
        Out out = new Out(os);
        out.i32(GgufFile.MAGIC);
        out.i32(3);
        out.i64(tensors.size());
        out.i64(metadata.size());
        for (var e : metadata.entrySet()) {
            out.string(e.getKey());
            writeValue(out, e.getValue(), true);
        }
        long offset = 0;
        List<Long> offsets = new ArrayList<>();
        for (PendingTensor t : tensors) {
            out.string(t.name());
            out.i32(t.shape().length);
            for (long d : t.shape()) out.i64(d);
            out.i32(t.type().id());
            out.i64(offset);
            offsets.add(offset);
            offset = align(offset + t.size());
        }
        out.pad(align(out.written) - out.written);
        for (PendingTensor t : tensors) {
            long before = out.written;
            t.data().writeTo(new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    out.os.write(b);
                    out.written++;
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.os.write(b, off, len);
                    out.written += len;
                }
            });
            long n = out.written - before;
            if (n != t.size()) {
                throw new IllegalStateException("tensor '" + t.name() + "' wrote " + n + " bytes, its shape and type need " + t.size());
            }
            out.pad(align(t.size()) - t.size());
        }
    }

    private long align(long v) {
        return (v + alignment - 1) / alignment * alignment;
    }

    private static GgufValueType typeOf(Object v) {
        return switch (v) {
            case Typed t -> t.value() instanceof List<?> ? GgufValueType.ARRAY : t.type();
            case String s -> GgufValueType.STRING;
            case Integer i -> GgufValueType.UINT32;
            case Long l -> GgufValueType.UINT64;
            case Float f -> GgufValueType.FLOAT32;
            case Double d -> GgufValueType.FLOAT64;
            case Boolean b -> GgufValueType.BOOL;
            case Short s -> GgufValueType.INT16;
            case Byte b -> GgufValueType.INT8;
            case List<?> l -> GgufValueType.ARRAY;
            default -> throw new IllegalArgumentException("cannot write a metadata value of " + v.getClass());
        };
    }

    private void writeValue(Out out, Object v, boolean withType) throws IOException {
        GgufValueType t = typeOf(v);
        if (withType) out.i32(t.id());
        if (v instanceof Typed typed) {
            if (typed.value() instanceof List<?> list) {
                out.i32(typed.type().id());
                out.i64(list.size());
                for (Object e : list) writeScalar(out, typed.type(), e);
            } else {
                writeScalar(out, typed.type(), typed.value());
            }
            return;
        }
        if (v instanceof List<?> list) {
            GgufValueType et = list.isEmpty() ? GgufValueType.INT32 : typeOf(list.getFirst());
            out.i32(et.id());
            out.i64(list.size());
            for (Object e : list) writeValue(out, e, false);
            return;
        }
        writeScalar(out, t, v);
    }

    private static void writeScalar(Out out, GgufValueType t, Object v) throws IOException {
        switch (t) {
            case UINT8, INT8 -> out.os.write(((Number) v).intValue());
            case BOOL -> out.os.write((Boolean) v ? 1 : 0);
            case UINT16, INT16 -> out.i16(((Number) v).shortValue());
            case UINT32, INT32 -> out.i32(((Number) v).intValue());
            case UINT64, INT64 -> out.i64(((Number) v).longValue());
            case FLOAT32 -> out.i32(Float.floatToRawIntBits(((Number) v).floatValue()));
            case FLOAT64 -> out.i64(Double.doubleToRawLongBits(((Number) v).doubleValue()));
            case STRING -> out.string((String) v);
            case ARRAY -> throw new IllegalArgumentException("nested arrays need a List value");
        }
        if (t == GgufValueType.UINT8 || t == GgufValueType.INT8 || t == GgufValueType.BOOL) out.written++;
    }

    private static final class Out {
        final OutputStream os;
        final ByteBuffer buf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        long written;

        Out(OutputStream os) {
            this.os = os;
        }

        void i16(short v) throws IOException {
            buf.clear();
            buf.putShort(v);
            os.write(buf.array(), 0, 2);
            written += 2;
        }

        void i32(int v) throws IOException {
            buf.clear();
            buf.putInt(v);
            os.write(buf.array(), 0, 4);
            written += 4;
        }

        void i64(long v) throws IOException {
            buf.clear();
            buf.putLong(v);
            os.write(buf.array(), 0, 8);
            written += 8;
        }

        void string(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i64(b.length);
            bytes(b);
        }

        void bytes(byte[] b) throws IOException {
            os.write(b);
            written += b.length;
        }

        void pad(long n) throws IOException {
            for (long i = 0; i < n; i++) os.write(0);
            written += n;
        }
    }
}
