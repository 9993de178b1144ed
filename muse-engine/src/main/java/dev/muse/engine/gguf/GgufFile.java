package dev.muse.engine.gguf;

import dev.muse.engine.tensor.GgmlType;
import dev.muse.engine.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF file (versions 2 and 3), memory-mapped once with the FFM API so files over 2 GiB work and every tensor is
 * a slice of the mapping: nothing is copied to the heap. Every count and size is checked against the bytes that
 * are really there before anything is allocated, so a corrupt file gives a {@link GgufFormatException}, not an
 * OutOfMemoryError.
 *
 * <p>Metadata values: strings as {@code String}, every integer type as {@code Long}, floats as {@code Double},
 * bools as {@code Boolean}, arrays as {@code List} of those.
 */
public final class GgufFile implements AutoCloseable {
    static final int MAGIC = 0x46554747; // "GGUF" little-endian
    static final int DEFAULT_ALIGNMENT = 32;
    private static final int MAX_DEPTH = 4;

    private final Path path;
    private final Arena arena;
    private final MemorySegment file;
    private final int version;
    private final Map<String, Object> metadata;
    private final Map<String, GgufTensorInfo> tensors;
    private final long dataOffset;
    private final long alignment;

    private GgufFile(Path path, Arena arena, MemorySegment file) {
        this.path = path;
        this.arena = arena;
        this.file = file;
        Reader r = new Reader(file, path);
        int magic = r.i32("magic");
        if (magic != MAGIC) {
            throw r.fail("not a GGUF file: the first four bytes are " + hex(magic) + ", expected \"GGUF\"");
        }
        version = r.i32("version");
        if (version == 1) throw r.fail("GGUF version 1 is not supported (only 2 and 3); convert the model again with a current llama.cpp");
        if (version != 2 && version != 3) {
            throw r.fail("unsupported GGUF version " + version + " (supported: 2 and 3)"
                    + (Integer.reverseBytes(version) == 3 || Integer.reverseBytes(version) == 2 ? "; this looks like a big-endian GGUF, which is not supported" : ""));
        }
        long tensorCount = r.count("tensor count", 8 + 4 + 8 + 4 + 8);
        long kvCount = r.count("metadata count", 8 + 4 + 1);
        Map<String, Object> md = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = r.string("metadata key #" + i);
            int typeId = r.i32("type of '" + key + "'");
            md.put(key, r.value(typeId, key, 0));
        }
        metadata = Collections.unmodifiableMap(md);
        Object al = md.get("general.alignment");
        if (al == null) {
            alignment = DEFAULT_ALIGNMENT;
        } else if (al instanceof Long a && a > 0 && a <= 1 << 20 && Long.bitCount(a) == 1) {
            alignment = a;
        } else {
            throw r.fail("general.alignment must be a power of two up to 1 MiB, got " + al);
        }
        List<GgufTensorInfo> infos = new ArrayList<>();
        for (long i = 0; i < tensorCount; i++) {
            String name = r.string("tensor name #" + i);
            int dims = r.i32("dimension count of '" + name + "'");
            if (dims < 1 || dims > 4) throw r.fail("tensor '" + name + "' has " + dims + " dimensions; 1 to 4 are allowed");
            long[] shape = new long[dims];
            long elements = 1;
            for (int d = 0; d < dims; d++) {
                shape[d] = r.i64("dimension " + d + " of '" + name + "'");
                if (shape[d] <= 0 || shape[d] > file.byteSize() * 8 + 256) {
                    throw r.fail("tensor '" + name + "' has an impossible dimension " + shape[d] + " (shape " + Arrays.toString(shape) + ")");
                }
                elements = Math.multiplyHigh(elements, shape[d]) != 0 ? -1 : elements * shape[d];
                if (elements < 0) throw r.fail("tensor '" + name + "' has too many elements (shape overflows)");
            }
            int typeId = r.i32("type of '" + name + "'");
            GgmlType type = GgmlType.byId(typeId);
            if (type == null) {
                throw r.fail("tensor '" + name + "' has unknown type id " + typeId + "; supported tensor types: " + GgmlType.supportedNames());
            }
            long bytes = type.bytesFor(elements);
            if (bytes < 0 || shape[0] % type.blockSize() != 0) {
                throw r.fail("tensor '" + name + "' of type " + type + " has rows of " + shape[0] + " elements, not whole blocks of " + type.blockSize());
            }
            long offset = r.i64("data offset of '" + name + "'");
            infos.add(new GgufTensorInfo(name, shape, type, offset, bytes));
        }
        long start = r.pos;
        dataOffset = (start + alignment - 1) / alignment * alignment;
        if (tensorCount > 0 && dataOffset > file.byteSize()) throw r.fail("the file ends before its tensor data begins (truncated)");
        Map<String, GgufTensorInfo> ts = new LinkedHashMap<>();
        long available = file.byteSize() - dataOffset;
        for (GgufTensorInfo t : infos) {
            if (t.offset() < 0 || t.offset() % alignment != 0) {
                throw new GgufFormatException(where() + "tensor '" + t.name() + "' starts at offset " + t.offset()
                        + ", which is not a multiple of the alignment " + alignment);
            }
            if (t.offset() > available || t.byteSize() > available - t.offset()) {
                throw new GgufFormatException(where() + "tensor '" + t.name() + "' (" + t.type() + " " + Arrays.toString(t.shape())
                        + ", " + t.byteSize() + " bytes at offset " + t.offset() + ") extends past the end of the file (truncated?)");
            }
            if (ts.put(t.name(), t) != null) throw new GgufFormatException(where() + "tensor '" + t.name() + "' appears twice");
        }
        tensors = Collections.unmodifiableMap(ts);
    }

    /** Opens and maps {@code path}. Close it to unmap. */
    public static GgufFile open(Path path) {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            return new GgufFile(path, arena, seg);
        } catch (IOException e) {
            arena.close();
            throw new GgufFormatException("cannot read GGUF file " + path + ": " + e, e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** Parses a GGUF image already in memory (tests, fuzzing). */
    public static GgufFile of(MemorySegment bytes) {
        return new GgufFile(null, null, bytes);
    }

    public int version() {
        return version;
    }

    public Map<String, Object> metadata() {
        return metadata;
    }

    public Map<String, GgufTensorInfo> tensorInfos() {
        return tensors;
    }

    public long alignment() {
        return alignment;
    }

    public Path path() {
        return path;
    }

    /** The bytes of a tensor: a slice of the mapping. */
    public MemorySegment tensorData(GgufTensorInfo info) {
        return file.asSlice(dataOffset + info.offset(), info.byteSize());
    }

    /** The named tensor as a computable view, or null if the file has no such tensor. */
    public Tensor tensor(String name) {
        GgufTensorInfo info = tensors.get(name);
        return info == null ? null : Tensor.of(name, info.type(), info.shape(), tensorData(info));
    }

    @Override
    public void close() {
        if (arena != null) arena.close();
    }

    private String where() {
        return path == null ? "invalid GGUF: " : "invalid GGUF file " + path + ": ";
    }

    private static String hex(int v) {
        return String.format("%02x %02x %02x %02x", v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
    }

    /** A bounds-checked little-endian cursor. */
    private static final class Reader {
        private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

        final MemorySegment s;
        final Path path;
        long pos;

        Reader(MemorySegment s, Path path) {
            this.s = s;
            this.path = path;
        }

        GgufFormatException fail(String message) {
            return new GgufFormatException((path == null ? "invalid GGUF: " : "invalid GGUF file " + path + ": ") + message);
        }

        private void need(long n, String what) {
            if (n < 0 || n > s.byteSize() - pos) {
                throw fail("the file ends at byte " + s.byteSize() + " while reading " + what + " at byte " + pos + " (truncated or corrupt)");
            }
        }

        int i32(String what) {
            need(4, what);
            int v = s.get(I32, pos);
            pos += 4;
            return v;
        }

        long i64(String what) {
            need(8, what);
            long v = s.get(I64, pos);
            pos += 8;
            return v;
        }

        /** A count of items that each take at least {@code minBytes}: it cannot exceed what is left of the file. */
        long count(String what, int minBytes) {
            long n = i64(what);
            if (n < 0 || n > (s.byteSize() - pos) / minBytes) {
                throw fail(what + " is " + Long.toUnsignedString(n) + " at byte " + (pos - 8) + ", more than the "
                        + (s.byteSize() - pos) + " remaining bytes can hold (truncated or corrupt file)");
            }
            return n;
        }

        String string(String what) {
            long len = i64("length of " + what);
            if (len < 0 || len > s.byteSize() - pos || len > Integer.MAX_VALUE - 8) {
                throw fail("the length of " + what + " is " + Long.toUnsignedString(len) + " at byte " + (pos - 8)
                        + ", more than the remaining " + (s.byteSize() - pos) + " bytes (corrupt or truncated)");
            }
            byte[] b = s.asSlice(pos, len).toArray(ValueLayout.JAVA_BYTE);
            pos += len;
            return new String(b, StandardCharsets.UTF_8);
        }

        Object value(int typeId, String key, int depth) {
            GgufValueType t = GgufValueType.byId(typeId);
            if (t == null) throw fail("metadata '" + key + "' has unknown value type " + typeId);
            return switch (t) {
                case UINT8 -> {
                    need(1, key);
                    yield (long) (s.get(ValueLayout.JAVA_BYTE, pos++) & 0xff);
                }
                case INT8 -> {
                    need(1, key);
                    yield (long) s.get(ValueLayout.JAVA_BYTE, pos++);
                }
                case BOOL -> {
                    need(1, key);
                    yield s.get(ValueLayout.JAVA_BYTE, pos++) != 0;
                }
                case UINT16 -> {
                    need(2, key);
                    long v = s.get(I16, pos) & 0xffff;
                    pos += 2;
                    yield v;
                }
                case INT16 -> {
                    need(2, key);
                    long v = s.get(I16, pos);
                    pos += 2;
                    yield v;
                }
                case UINT32 -> i32(key) & 0xffffffffL;
                case INT32 -> (long) i32(key);
                case UINT64, INT64 -> i64(key);
                case FLOAT32 -> {
                    need(4, key);
                    double v = s.get(F32, pos);
                    pos += 4;
                    yield v;
                }
                case FLOAT64 -> {
                    need(8, key);
                    double v = s.get(F64, pos);
                    pos += 8;
                    yield v;
                }
                case STRING -> string("value of '" + key + "'");
                case ARRAY -> {
                    if (depth >= MAX_DEPTH) throw fail("metadata '" + key + "' nests arrays deeper than " + MAX_DEPTH);
                    int elemId = i32("element type of '" + key + "'");
                    GgufValueType et = GgufValueType.byId(elemId);
                    if (et == null) throw fail("metadata array '" + key + "' has unknown element type " + elemId);
                    long n = count("length of array '" + key + "'", et.minBytes);
                    List<Object> list = new ArrayList<>((int) Math.min(n, 1 << 16));
                    for (long i = 0; i < n; i++) list.add(value(elemId, key, depth + 1));
                    yield Collections.unmodifiableList(list);
                }
            };
        }
    }
}
