package dev.muse.engine.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.muse.engine.model.ModelFormatException;
import dev.muse.engine.tensor.GgmlType;
import dev.muse.engine.tensor.Tensor;
import dev.muse.engine.tensor.UnsupportedTensorTypeException;
import dev.muse.engine.model.GgufModelLoader;
import dev.muse.engine.model.UnsupportedArchitectureException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufFileTest {
    @TempDir
    Path tmp;

    static float[] values(int n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return v;
    }

    static GgufWriter smallFile() {
        return new GgufWriter()
                .put("general.architecture", "llama")
                .put("some.u32", 7)
                .put("some.u64", 1L << 40)
                .put("some.f32", 0.5f)
                .put("some.f64", 0.25)
                .put("some.bool", true)
                .put("some.strings", List.of("a", "héllo", "🙂"))
                .put("some.i32s", GgufWriter.typed(GgufValueType.INT32, List.of(-1, 2, 3)))
                .put("some.nested", List.of(List.of(1, 2), List.of(3)))
                .tensor("a", GgmlType.F32, new long[] {8, 2}, values(16, 1))
                .tensor("b", GgmlType.Q8_0, new long[] {64}, values(64, 2));
    }

    @Test
    void metadata_should_follow_the_tokenizer_contract_types() {
        try (GgufFile f = GgufFile.of(MemorySegment.ofArray(smallFile().toBytes()))) {
            Map<String, Object> md = f.metadata();
            assertThat(f.version()).isEqualTo(3);
            assertThat(md.get("general.architecture")).isEqualTo("llama");
            assertThat(md.get("some.u32")).isEqualTo(7L);
            assertThat(md.get("some.u64")).isEqualTo(1L << 40);
            assertThat(md.get("some.f32")).isEqualTo(0.5);
            assertThat(md.get("some.f64")).isEqualTo(0.25);
            assertThat(md.get("some.bool")).isEqualTo(true);
            assertThat(md.get("some.strings")).isEqualTo(List.of("a", "héllo", "🙂"));
            assertThat(md.get("some.i32s")).isEqualTo(List.of(-1L, 2L, 3L));
            assertThat(md.get("some.nested")).isEqualTo(List.of(List.of(1L, 2L), List.of(3L)));
        }
    }

    @Test
    void tensors_should_be_aligned_slices_of_the_mapped_file_with_their_values() throws Exception {
        Path p = tmp.resolve("small.gguf");
        smallFile().write(p);
        try (GgufFile f = GgufFile.open(p)) {
            assertThat(f.tensorInfos()).containsOnlyKeys("a", "b");
            GgufTensorInfo b = f.tensorInfos().get("b");
            assertThat(b.offset() % f.alignment()).isZero();
            assertThat(b.type()).isEqualTo(GgmlType.Q8_0);
            assertThat(f.tensorData(b).isMapped()).isTrue();
            assertThat(f.tensor("a").toFloats()).containsExactly(values(16, 1));
            float[] q = f.tensor("b").toFloats();
            float[] orig = values(64, 2);
            for (int i = 0; i < 64; i++) assertThat(q[i]).isCloseTo(orig[i], within(0.02f));
        }
    }

    @Test
    void version_2_files_should_read_like_version_3() {
        byte[] bytes = smallFile().toBytes();
        bytes[4] = 2;
        try (GgufFile f = GgufFile.of(MemorySegment.ofArray(bytes))) {
            assertThat(f.version()).isEqualTo(2);
            assertThat(f.tensor("a").toFloats()).containsExactly(values(16, 1));
        }
    }

    @Test
    void wrong_magic_should_say_it_is_not_gguf() {
        byte[] bytes = smallFile().toBytes();
        bytes[0] = 'X';
        assertThatThrownBy(() -> GgufFile.of(MemorySegment.ofArray(bytes)))
                .isInstanceOf(GgufFormatException.class)
                .hasMessageContaining("not a GGUF file");
    }

    @Test
    void truncated_file_should_say_it_is_truncated() throws Exception {
        byte[] bytes = smallFile().toBytes();
        Path p = tmp.resolve("cut.gguf");
        Files.write(p, Arrays.copyOf(bytes, bytes.length - 40));
        assertThatThrownBy(() -> GgufFile.open(p)).isInstanceOf(GgufFormatException.class)
                .hasMessageContaining("cut.gguf").hasMessageContaining("past the end of the file");
        Files.write(p, Arrays.copyOf(bytes, 30));
        assertThatThrownBy(() -> GgufFile.open(p)).isInstanceOf(GgufFormatException.class).hasMessageContaining("truncated");
    }

    @Test
    void absurd_counts_should_fail_before_allocating() {
        ByteBuffer b = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(GgufFile.MAGIC).putInt(3).putLong(Long.MAX_VALUE / 2).putLong(1);
        assertThatThrownBy(() -> GgufFile.of(MemorySegment.ofArray(b.array())))
                .isInstanceOf(GgufFormatException.class)
                .hasMessageContaining("tensor count");
    }

    @Test
    void unknown_tensor_type_should_name_the_id_and_the_supported_types() {
        byte[] bytes = new GgufWriter().tensor("w", GgmlType.F32, new long[] {4}, new float[4]).toBytes();
        // the type id follows name (8+1), n_dims (4) and one dimension (8) after the 24-byte header
        int typeAt = 24 + 8 + 1 + 4 + 8;
        bytes[typeAt] = 99;
        assertThatThrownBy(() -> GgufFile.of(MemorySegment.ofArray(bytes)))
                .isInstanceOf(GgufFormatException.class)
                .hasMessageContaining("unknown type id 99")
                .hasMessageContaining("Q4_K");
    }

    @Test
    void unsupported_but_known_type_should_load_the_index_and_fail_on_use_with_its_name() {
        byte[] bytes = new GgufWriter().tensor("blk.0.ffn_up.weight", GgmlType.Q2_K, new long[] {256}, new byte[84]).toBytes();
        try (GgufFile f = GgufFile.of(MemorySegment.ofArray(bytes))) {
            assertThatThrownBy(() -> f.tensor("blk.0.ffn_up.weight"))
                    .isInstanceOf(UnsupportedTensorTypeException.class)
                    .hasMessageContaining("Q2_K");
        }
    }

    @Test
    void tensors_beyond_2_gib_should_be_read_from_the_mapping() throws Exception {
        byte[] header = new GgufWriter().tensor("far", GgmlType.F32, new long[] {4}, new float[4]).toBytes();
        int offsetField = 24 + 8 + 3 + 4 + 8 + 4; // header, name "far", n_dims, one dimension, type
        long far = 3L << 30;
        ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).putLong(offsetField, far);
        int dataStart = 64;
        Path p = tmp.resolve("sparse.gguf");
        try (var raf = new java.io.RandomAccessFile(p.toFile(), "rw")) {
            raf.write(header, 0, dataStart);
            raf.setLength(dataStart + far + 16); // sparse: costs no disk
            raf.seek(dataStart + far);
            ByteBuffer v = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putFloat(1).putFloat(2).putFloat(3).putFloat(4);
            raf.write(v.array());
        }
        try (GgufFile f = GgufFile.open(p)) {
            assertThat(f.tensorInfos().get("far").offset()).isEqualTo(far);
            assertThat(f.tensor("far").toFloats()).containsExactly(1f, 2f, 3f, 4f);
        }
    }

    @Test
    void missing_file_should_give_a_clear_error() {
        assertThatThrownBy(() -> GgufFile.open(tmp.resolve("nope.gguf")))
                .isInstanceOf(GgufFormatException.class)
                .hasMessageContaining("nope.gguf");
    }

    /** Random byte flips and truncations of a valid model file for a few seconds: only clean errors may come out. */
    @Test
    void random_k_quant_files_should_fall_back_where_rows_are_not_whole_super_blocks() throws Exception {
        // as llama-quantize does for Qwen2.5-0.5B's 896-wide rows: Q4_K -> Q5_0, Q6_K -> Q8_0; 512-wide rows keep Q4_K
        Path p = tmp.resolve("fallback.gguf");
        var shape = new dev.muse.engine.model.RandomModelWriter.Shape(96, 512, 1, 2, 1, 260, 64);
        dev.muse.engine.model.RandomModelWriter.write(p, dev.muse.engine.model.Architecture.QWEN2, shape,
                dev.muse.engine.model.RandomModelWriter.q4kM(1), "q4_k_m", 3);
        try (GgufFile f = GgufFile.open(p)) {
            assertThat(f.tensor("blk.0.attn_q.weight").type()).isEqualTo(GgmlType.Q5_0);
            assertThat(f.tensor("blk.0.ffn_down.weight").type()).isEqualTo(GgmlType.Q6_K);
            assertThat(f.tensor("output.weight").type()).isEqualTo(GgmlType.Q8_0);
        }
    }

    @Test
    void fuzzed_files_should_only_ever_fail_cleanly() throws Exception {
        Path p = tmp.resolve("model.gguf");
        dev.muse.engine.model.RandomModelWriter.write(p, dev.muse.engine.model.Architecture.LLAMA,
                new dev.muse.engine.model.RandomModelWriter.Shape(32, 64, 1, 2, 1, 260, 64), GgmlType.Q8_0, 1);
        byte[] valid = Files.readAllBytes(p);
        Random rnd = new Random(1234);
        long end = System.nanoTime() + 3_000_000_000L;
        int runs = 0;
        int parsed = 0;
        while (System.nanoTime() < end) {
            byte[] bytes = valid.clone();
            int mode = rnd.nextInt(3);
            if (mode == 0 || mode == 2) {
                int flips = 1 + rnd.nextInt(8);
                // most of the file is tensor data: aim most flips at the header and metadata
                int span = rnd.nextBoolean() ? Math.min(bytes.length, 8192) : bytes.length;
                for (int i = 0; i < flips; i++) bytes[rnd.nextInt(span)] ^= (byte) (1 << rnd.nextInt(8));
            }
            if (mode >= 1) bytes = Arrays.copyOf(bytes, rnd.nextInt(bytes.length));
            runs++;
            try (GgufFile f = GgufFile.of(MemorySegment.ofArray(bytes))) {
                parsed++;
                try (var m = GgufModelLoader.load(f)) {
                    assertThat(m.config().vocabSize()).isPositive();
                }
            } catch (ModelFormatException | UnsupportedArchitectureException | UnsupportedTensorTypeException e) {
                assertThat(e.getMessage()).isNotBlank();
            }
        }
        assertThat(runs).isGreaterThan(100);
        assertThat(parsed).isLessThan(runs);
    }
}
