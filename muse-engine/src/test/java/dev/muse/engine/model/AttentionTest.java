package dev.muse.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The grouped attention kernels over {@link KvCache}'s blocks against plain attention on what the cache holds (the
 * keys and values rounded to half floats, or kept as F32), for head sizes with and without a tail, one to eight query
 * heads per KV head, and position counts within one block and across several.
 */
class AttentionTest {

    @ParameterizedTest
    @CsvSource({"64,4,1,F16", "64,4,7,F32", "64,4,130,F16", "64,4,130,F32", "128,2,33,F16", "256,2,40,F32", "12,1,5,F16",
            "8,7,4,F32", "40,3,70,F16", "64,1,32,F16", "64,8,64,F32"})
    void grouped_attention_should_match_plain_attention(int hd, int kvMul, int count, KvCache.Type type) {
        SplittableRandom r = new SplittableRandom(hd * 31L + kvMul * 7L + count);
        int kvHeads = 3, heads = kvHeads * kvMul, layers = 2;
        ModelConfig config = new ModelConfig(Architecture.LLAMA, heads * hd, 16, layers, heads, kvHeads, hd, 100, 512,
                1e-5f, 10000f, 1f);
        KvCache cache = new KvCache(config, 2, 256, type);
        int kvDim = kvHeads * hd;
        float[][] keys = new float[count][kvDim], values = new float[count][kvDim];
        for (int t = 0; t < count; t++) {
            for (int i = 0; i < kvDim; i++) {
                keys[t][i] = (float) r.nextDouble(-1, 1);
                values[t][i] = (float) r.nextDouble(-1, 1);
            }
            cache.store(1, 1, t, keys[t], values[t]);
            cache.store(0, 1, t, new float[kvDim], new float[kvDim]); // another slot's blocks hold other numbers
            if (type == KvCache.Type.F16) { // what the cache holds
                for (int i = 0; i < kvDim; i++) {
                    keys[t][i] = Float.float16ToFloat(Float.floatToFloat16(keys[t][i]));
                    values[t][i] = Float.float16ToFloat(Float.floatToFloat16(values[t][i]));
                }
            }
            for (int i = 0; i < kvDim; i += 5) {
                assertThat(cache.key(1, 1, t, i)).isEqualTo(keys[t][i]);
                assertThat(cache.value(1, 1, t, i)).isEqualTo(values[t][i]);
            }
        }
        float[] q = new float[heads * hd];
        for (int i = 0; i < q.length; i++) q[i] = (float) r.nextDouble(-1, 1);
        int g = 2; // the third KV head and its query heads
        float scale = 0.125f;
        float[] out = new float[heads * hd];
        Attention.group(q, g * kvMul * hd, kvMul, cache, 1, 1, g, hd, count, scale, new float[kvMul * count],
                new float[2 * hd * KvCache.BLOCK], out, g * kvMul * hd);

        for (int h = g * kvMul; h < (g + 1) * kvMul; h++) {
            double[] w = new double[count];
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int t = 0; t < count; t++) {
                double s = 0;
                for (int j = 0; j < hd; j++) s += q[h * hd + j] * keys[t][g * hd + j];
                w[t] = s * scale;
                max = Math.max(max, w[t]);
            }
            for (int t = 0; t < count; t++) sum += w[t] = Math.exp(w[t] - max);
            for (int j = 0; j < hd; j++) {
                double want = 0;
                for (int t = 0; t < count; t++) want += w[t] / sum * values[t][g * hd + j];
                assertThat((double) out[h * hd + j]).as("head %d, element %d", h, j).isCloseTo(want, within(1e-5));
            }
        }
        for (int i = 0; i < g * kvMul * hd; i++) assertThat(out[i]).as("other heads' outputs untouched").isZero();
    }

    @ParameterizedTest
    @CsvSource({"1,0", "7,3", "40,5", "130,16"})
    void softmax_should_match_the_plain_loop_at_an_offset(int size, int off) {
        SplittableRandom r = new SplittableRandom(size);
        float[] x = new float[off + size + 3];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextDouble(-8, 8);
        float[] plain = java.util.Arrays.copyOfRange(x, off, off + size);
        float[] before = x.clone();
        Transformer.softmax(plain, size);
        Attention.softmax(x, off, size);
        for (int t = 0; t < size; t++) assertThat(x[off + t]).as("weight %d", t).isCloseTo(plain[t], within(1e-6f));
        for (int i = 0; i < off; i++) assertThat(x[i]).isEqualTo(before[i]);
        for (int i = off + size; i < x.length; i++) assertThat(x[i]).isEqualTo(before[i]);
    }
}
