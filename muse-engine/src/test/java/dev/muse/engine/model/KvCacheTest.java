package dev.muse.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.muse.engine.tensor.GgmlType;
import dev.muse.engine.tensor.Parallel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The paged KV cache: blocks on demand, prefixes shared between slots, copy on write, freeing. */
class KvCacheTest {
    @TempDir
    Path tmp;

    private static final int B = KvCache.BLOCK;

    private Model model() throws Exception {
        Path p = tmp.resolve("tiny.gguf");
        RandomModelWriter.write(p, Architecture.LLAMA, RandomModelWriter.Shape.tiny(), GgmlType.F32, 3);
        return GgufModelLoader.load(p);
    }

    private static float[] filled(int kvDim, float v) {
        float[] a = new float[kvDim];
        java.util.Arrays.fill(a, v);
        return a;
    }

    @Test
    void a_slot_should_hold_only_the_blocks_it_has_written_and_read_back_what_was_stored() throws Exception {
        try (Model m = model()) {
            int kvDim = m.config().kvDim();
            KvCache cache = new KvCache(m.config(), 2, 4 * B);
            assertThat(cache.bytesInUse()).isZero();
            for (int pos = 0; pos < B + 3; pos++) {
                for (int l = 0; l < m.config().layers(); l++) cache.store(0, l, pos, filled(kvDim, pos), filled(kvDim, -pos));
            }
            assertThat(cache.blocksOf(0)).isEqualTo(2);
            assertThat(cache.bytesInUse()).isEqualTo(2 * cache.bytesPerBlock());
            assertThat(cache.key(0, 0, B + 2, kvDim - 1)).isEqualTo(B + 2f);
            assertThat(cache.value(0, 0, 5, kvDim - 1)).isEqualTo(-5f);
        }
    }

    @Test
    void a_shared_prefix_should_be_stored_once_and_copied_only_where_a_slot_writes() throws Exception {
        try (Model m = model()) {
            int kvDim = m.config().kvDim();
            int layers = m.config().layers();
            KvCache cache = new KvCache(m.config(), 3, 4 * B);
            int prompt = B + 10; // one full block and a partial one
            for (int pos = 0; pos < prompt; pos++) for (int l = 0; l < layers; l++) cache.store(0, l, pos, filled(kvDim, pos), filled(kvDim, pos));
            cache.copyPrefix(0, 1, prompt);
            cache.copyPrefix(0, 2, prompt);
            assertThat(cache.bytesInUse()).as("three slots, one copy of the prompt").isEqualTo(2 * cache.bytesPerBlock());

            // slot 1 continues with its own token: only the partial block is copied, slot 0 and 2 still see theirs
            for (int l = 0; l < layers; l++) cache.store(1, l, prompt, filled(kvDim, 1000), filled(kvDim, 1000));
            assertThat(cache.bytesInUse()).isEqualTo(3 * cache.bytesPerBlock());
            assertThat(cache.key(1, 0, B + 10, 0)).isEqualTo(1000f);
            assertThat(cache.key(1, 0, B + 9, 0)).as("the copied part of the prompt").isEqualTo(B + 9f);
            assertThat(cache.key(0, 0, B + 10, 0)).as("slot 0 untouched").isZero();
            assertThat(cache.key(2, 0, B + 10, 0)).as("slot 2 untouched").isZero();

            cache.release(0);
            assertThat(cache.bytesInUse()).as("slot 2 still uses the shared blocks").isEqualTo(3 * cache.bytesPerBlock());
            cache.release(2);
            assertThat(cache.bytesInUse()).as("only slot 1's blocks are left").isEqualTo(2 * cache.bytesPerBlock());
            cache.release(1);
            assertThat(cache.bytesInUse()).isZero();
        }
    }

    @Test
    void a_sequence_continued_from_a_shared_prefix_should_give_the_logits_of_one_computed_alone() throws Exception {
        try (Model m = model()) {
            Transformer t = m.transformer(Parallel.serial());
            int vocab = m.config().vocabSize();
            int[] tokens = new int[B + 20];
            for (int i = 0; i < tokens.length; i++) tokens[i] = (i * 37 + 11) % vocab;
            int shared = B + 5;

            KvCache alone = new KvCache(m.config(), 1, 2 * B);
            float[] want = new float[vocab];
            for (int i = 0; i < tokens.length; i++) {
                t.forward(1, new int[] {tokens[i]}, new int[] {i}, new int[] {0}, alone, new float[][] {i == tokens.length - 1 ? want : null});
            }

            KvCache cache = new KvCache(m.config(), 2, 2 * B);
            for (int i = 0; i < shared; i++) t.forward(1, new int[] {tokens[i]}, new int[] {i}, new int[] {0}, cache, new float[][] {null});
            cache.copyPrefix(0, 1, shared);
            float[] got = new float[vocab];
            for (int i = shared; i < tokens.length; i++) {
                // slot 0 goes its own way in the same steps; slot 1 must not notice
                t.forward(2, new int[] {(tokens[i] + 1) % vocab, tokens[i]}, new int[] {i, i}, new int[] {0, 1}, cache,
                        new float[][] {null, i == tokens.length - 1 ? got : null});
            }
            assertThat(got).containsExactly(want);
        }
    }

    @Test
    void half_floats_should_read_back_as_the_values_rounded_to_half_precision_whichever_way_a_block_is_read() throws Exception {
        try (Model m = model()) {
            ModelConfig c = m.config();
            int kvDim = c.kvDim(), hd = c.headDim();
            KvCache cache = new KvCache(c, 1, 4 * B);
            float[] special = {0f, -0f, 1f, -2.5f, 1e-6f, -3e-7f, 6.1e-5f, 65504f, -60000f, 0.1f, 1e-8f};
            float[][] k = new float[B + 9][kvDim], v = new float[B + 9][kvDim];
            for (int p = 0; p < k.length; p++) {
                for (int i = 0; i < kvDim; i++) {
                    k[p][i] = special[(p * 7 + i) % special.length] * (1 + i % 3) / 3; // within ±65504: no infinities
                    v[p][i] = -special[(p * 5 + i) % special.length] / (1 + i % 2);
                }
                cache.store(0, 1, p, k[p], v[p]);
            }
            int head = c.kvHeads() - 1;
            float[] one = new float[hd * B], two = new float[2 * hd * B];
            cache.keys(0, 1, 0, head, one);
            cache.keysOfTwo(0, 1, 0, head, two);
            for (int p = 0; p < B + 9; p++) {
                for (int j = 0; j < hd; j++) {
                    float want = half(k[p][head * hd + j]);
                    assertThat(cache.key(0, 1, p, head * hd + j)).isEqualTo(want);
                    assertThat(two[(p / B) * hd * B + j * B + p % B]).as("keys of two blocks, position %d", p).isEqualTo(want);
                    if (p < B) assertThat(one[j * B + p]).as("keys of one block, position %d", p).isEqualTo(want);
                }
            }
            cache.values(0, 1, 1, head, one);
            cache.valuesOfTwo(0, 1, 0, head, two);
            for (int p = 0; p < B + 9; p++) {
                for (int j = 0; j < hd; j++) {
                    float want = half(v[p][head * hd + j]);
                    assertThat(cache.value(0, 1, p, head * hd + j)).isEqualTo(want);
                    assertThat(two[(p / B) * hd * B + (p % B) * hd + j]).as("values of two blocks, position %d", p).isEqualTo(want);
                    if (p >= B) assertThat(one[(p - B) * hd + j]).as("values of one block, position %d", p).isEqualTo(want);
                }
            }
        }
    }

    private static float half(float x) {
        return Float.float16ToFloat(Float.floatToFloat16(x));
    }
}
