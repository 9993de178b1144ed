package dev.muse.engine.model;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector kernels for one query head's attention over a slot's cached keys and values. Scores take four keys per
 * pass (four independent FMA chains share each query load); the weighted sum keeps four output vectors in
 * registers while it walks the positions. The order of operations depends only on the head size and the position
 * count, so an entry's result does not depend on what else is in the batch.
 */
final class Attention {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    private Attention() {}

    /** {@code out[outOff + t] = scale * (q[qo..qo+hd) · keys[t*stride+ko ..))} for {@code t < count}. */
    static void scores(float[] q, int qo, float[] keys, int ko, int stride, int hd, int count, float scale, float[] out, int outOff) {
        int bound = F.loopBound(hd);
        int t = 0;
        for (; t + 4 <= count; t += 4) {
            int k0 = t * stride + ko, k1 = k0 + stride, k2 = k1 + stride, k3 = k2 + stride;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int j = 0; j < bound; j += L) {
                FloatVector qv = FloatVector.fromArray(F, q, qo + j);
                a0 = qv.fma(FloatVector.fromArray(F, keys, k0 + j), a0);
                a1 = qv.fma(FloatVector.fromArray(F, keys, k1 + j), a1);
                a2 = qv.fma(FloatVector.fromArray(F, keys, k2 + j), a2);
                a3 = qv.fma(FloatVector.fromArray(F, keys, k3 + j), a3);
            }
            float s0 = a0.reduceLanes(VectorOperators.ADD), s1 = a1.reduceLanes(VectorOperators.ADD);
            float s2 = a2.reduceLanes(VectorOperators.ADD), s3 = a3.reduceLanes(VectorOperators.ADD);
            for (int j = bound; j < hd; j++) {
                float qj = q[qo + j];
                s0 += qj * keys[k0 + j];
                s1 += qj * keys[k1 + j];
                s2 += qj * keys[k2 + j];
                s3 += qj * keys[k3 + j];
            }
            out[outOff + t] = s0 * scale;
            out[outOff + t + 1] = s1 * scale;
            out[outOff + t + 2] = s2 * scale;
            out[outOff + t + 3] = s3 * scale;
        }
        for (; t < count; t++) {
            int k0 = t * stride + ko;
            FloatVector a0 = FloatVector.zero(F);
            for (int j = 0; j < bound; j += L) a0 = FloatVector.fromArray(F, q, qo + j).fma(FloatVector.fromArray(F, keys, k0 + j), a0);
            float s0 = a0.reduceLanes(VectorOperators.ADD);
            for (int j = bound; j < hd; j++) s0 += q[qo + j] * keys[k0 + j];
            out[outOff + t] = s0 * scale;
        }
    }

    /**
     * {@code out[oo..oo+hd) += sum over t < count of weights[wOff + t] * values[t*stride+vo ..)}: adds one block of
     * positions; the caller zeroes {@code out} before the first.
     */
    static void weightedSum(float[] weights, int wOff, int count, float[] values, int vo, int stride, int hd, float[] out, int oo) {
        int j = 0;
        for (; j + 4 * L <= hd; j += 4 * L) {
            FloatVector o0 = FloatVector.fromArray(F, out, oo + j), o1 = FloatVector.fromArray(F, out, oo + j + L);
            FloatVector o2 = FloatVector.fromArray(F, out, oo + j + 2 * L), o3 = FloatVector.fromArray(F, out, oo + j + 3 * L);
            for (int t = 0; t < count; t++) {
                FloatVector w = FloatVector.broadcast(F, weights[wOff + t]);
                int v = t * stride + vo + j;
                o0 = FloatVector.fromArray(F, values, v).fma(w, o0);
                o1 = FloatVector.fromArray(F, values, v + L).fma(w, o1);
                o2 = FloatVector.fromArray(F, values, v + 2 * L).fma(w, o2);
                o3 = FloatVector.fromArray(F, values, v + 3 * L).fma(w, o3);
            }
            o0.intoArray(out, oo + j);
            o1.intoArray(out, oo + j + L);
            o2.intoArray(out, oo + j + 2 * L);
            o3.intoArray(out, oo + j + 3 * L);
        }
        for (; j + L <= hd; j += L) {
            FloatVector o0 = FloatVector.fromArray(F, out, oo + j);
            for (int t = 0; t < count; t++) o0 = FloatVector.fromArray(F, values, t * stride + vo + j).fma(FloatVector.broadcast(F, weights[wOff + t]), o0);
            o0.intoArray(out, oo + j);
        }
        for (; j < hd; j++) {
            float s = out[oo + j];
            for (int t = 0; t < count; t++) s += weights[wOff + t] * values[t * stride + vo + j];
            out[oo + j] = s;
        }
    }

    /**
     * One query head over positions {@code [0, count)} of a slot, block by block: scores, softmax, then the
     * weighted sum of the values into {@code out[oo..oo+hd)}. {@code scores} must hold {@code count} floats.
     */
    static void head(float[] q, int qo, KvCache cache, int slot, int layer, int ko, int hd, int count, float scale,
                     float[] scores, float[] out, int oo) {
        int stride = cache.kvDim();
        for (int b = 0, from = 0; from < count; b++, from += KvCache.BLOCK) {
            scores(q, qo, cache.keyBlock(slot, layer, b), ko, stride, hd, Math.min(KvCache.BLOCK, count - from), scale, scores, from);
        }
        softmax(scores, count);
        Arrays.fill(out, oo, oo + hd, 0f);
        for (int b = 0, from = 0; from < count; b++, from += KvCache.BLOCK) {
            weightedSum(scores, from, Math.min(KvCache.BLOCK, count - from), cache.valueBlock(slot, layer, b), ko, stride, hd, out, oo);
        }
    }

    /** In-place softmax of {@code x[0..size)}, the exponentials a vector at a time. */
    static void softmax(float[] x, int size) {
        int bound = F.loopBound(size);
        FloatVector mv = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i < bound; i += L) mv = mv.max(FloatVector.fromArray(F, x, i));
        float max = mv.reduceLanes(VectorOperators.MAX);
        for (; i < size; i++) max = Math.max(max, x[i]);
        FloatVector sv = FloatVector.zero(F);
        i = 0;
        for (; i < bound; i += L) {
            FloatVector e = FloatVector.fromArray(F, x, i).sub(max).lanewise(VectorOperators.EXP);
            e.intoArray(x, i);
            sv = sv.add(e);
        }
        float sum = sv.reduceLanes(VectorOperators.ADD);
        for (; i < size; i++) {
            x[i] = (float) Math.exp(x[i] - max);
            sum += x[i];
        }
        float inv = 1f / sum;
        i = 0;
        for (; i < bound; i += L) FloatVector.fromArray(F, x, i).mul(inv).intoArray(x, i);
        for (; i < size; i++) x[i] *= inv;
    }
}
