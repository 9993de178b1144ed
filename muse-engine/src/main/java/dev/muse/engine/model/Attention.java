package dev.muse.engine.model;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector kernels for attention over a slot's cached keys and values, one KV head and the query heads that share it
 * at a time (grouped-query attention), block by block as {@link KvCache} lays them out (each block's run of the head
 * widened to floats first). Keys are stored transposed, so a score kernel multiplies a query element, broadcast, by a
 * vector of positions and adds no lanes together: with keys by position every score ended in a reduction across
 * lanes, and a 1B Q4_0's decoding on 2 threads ran at 33–45 t/s at 1600–2000 positions against ~70 at 128 (the
 * engine README has the figures since). The order of operations depends only on the head size and the position
 * count, so an entry's result does not depend on what else is in the batch.
 */
final class Attention {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    private static final int B = KvCache.BLOCK;
    /**
     * The most head elements a score loop takes in its main loop. A trip count C2 can bound below its short-loop
     * limit (100 steps) lets it drop the loop's safepoint poll, and with it the range checks and register spills it
     * otherwise left in (see {@code Gemm}); head sizes are 64–256.
     */
    private static final int SHORT_LOOP = 128;

    static {
        // the score kernel takes a block's positions two vectors at a time
        if (B % (2 * L) != 0) throw new ExceptionInInitializerError("KV block of " + B + " positions is not a multiple of 2×" + L);
    }

    private Attention() {}

    /**
     * {@code out[outOff + t] = scale · (q[qo..qo+hd) · key t)} for the first {@code count} (≤ BLOCK) positions of a
     * transposed key block, the head's keys starting at {@code keys[ko]} (element j of position t at
     * {@code ko + j·BLOCK + t}). The whole block is computed (positions past {@code count} hold stale values and
     * their scores are dropped), two vectors of positions at a time, each with four partial sums over j.
     */
    static void scores(float[] q, int qo, float[] keys, int ko, int hd, int count, float scale, float[] out, int outOff) {
        for (int c = 0; c < count; c += 2 * L) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            int j = 0;
            for (; j + 4 <= hd; j += 4) {
                int k = ko + j * B + c;
                FloatVector q0 = FloatVector.broadcast(F, q[qo + j]), q1 = FloatVector.broadcast(F, q[qo + j + 1]);
                FloatVector q2 = FloatVector.broadcast(F, q[qo + j + 2]), q3 = FloatVector.broadcast(F, q[qo + j + 3]);
                a0 = FloatVector.fromArray(F, keys, k).fma(q0, a0);
                b0 = FloatVector.fromArray(F, keys, k + L).fma(q0, b0);
                a1 = FloatVector.fromArray(F, keys, k + B).fma(q1, a1);
                b1 = FloatVector.fromArray(F, keys, k + B + L).fma(q1, b1);
                a2 = FloatVector.fromArray(F, keys, k + 2 * B).fma(q2, a2);
                b2 = FloatVector.fromArray(F, keys, k + 2 * B + L).fma(q2, b2);
                a3 = FloatVector.fromArray(F, keys, k + 3 * B).fma(q3, a3);
                b3 = FloatVector.fromArray(F, keys, k + 3 * B + L).fma(q3, b3);
            }
            for (; j < hd; j++) {
                int k = ko + j * B + c;
                FloatVector qj = FloatVector.broadcast(F, q[qo + j]);
                a0 = FloatVector.fromArray(F, keys, k).fma(qj, a0);
                b0 = FloatVector.fromArray(F, keys, k + L).fma(qj, b0);
            }
            store(a0.add(a1).add(a2.add(a3)).mul(scale), out, outOff, c, count);
            store(b0.add(b1).add(b2.add(b3)).mul(scale), out, outOff, c + L, count);
        }
    }

    /**
     * {@link #scores} for two query heads ({@code q[qa..]} and {@code q[qb..]}, scores to {@code out[offA..]} and
     * {@code out[offB..]}) from one pass over the keys: each key vector loaded once for both, so a step takes two
     * loads and two broadcasts per four FMAs where one head alone takes four loads and two broadcasts.
     */
    static void scoresTwo(float[] q, int qa, int qb, float[] keys, int ko, int hd, int count, float scale, float[] out,
                          int offA, int offB) {
        for (int c = 0; c < count; c += 2 * L) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, b0 = a0, b1 = a0, e0 = a0, e1 = a0, f0 = a0, f1 = a0;
            int j = 0;
            for (int pairs = Math.min(hd, SHORT_LOOP); j < pairs; j += 2) { // a/b: head A's two vectors of positions, e/f: head B's; 0/1: j even/odd
                int k = ko + j * B + c;
                FloatVector x0 = FloatVector.fromArray(F, keys, k), y0 = FloatVector.fromArray(F, keys, k + L);
                FloatVector x1 = FloatVector.fromArray(F, keys, k + B), y1 = FloatVector.fromArray(F, keys, k + B + L);
                FloatVector qa0 = FloatVector.broadcast(F, q[qa + j]), qa1 = FloatVector.broadcast(F, q[qa + j + 1]);
                FloatVector qb0 = FloatVector.broadcast(F, q[qb + j]), qb1 = FloatVector.broadcast(F, q[qb + j + 1]);
                a0 = x0.fma(qa0, a0);
                b0 = y0.fma(qa0, b0);
                e0 = x0.fma(qb0, e0);
                f0 = y0.fma(qb0, f0);
                a1 = x1.fma(qa1, a1);
                b1 = y1.fma(qa1, b1);
                e1 = x1.fma(qb1, e1);
                f1 = y1.fma(qb1, f1);
            }
            for (; j < hd; j += 2) { // heads wider than SHORT_LOOP, rarely: the same steps (as one loop in turns of
                // SHORT_LOOP, 64-wide heads took 3.6-3.8 cycles a score against 3.2)
                int k = ko + j * B + c;
                FloatVector qa0 = FloatVector.broadcast(F, q[qa + j]), qa1 = FloatVector.broadcast(F, q[qa + j + 1]);
                FloatVector qb0 = FloatVector.broadcast(F, q[qb + j]), qb1 = FloatVector.broadcast(F, q[qb + j + 1]);
                a0 = FloatVector.fromArray(F, keys, k).fma(qa0, a0);
                b0 = FloatVector.fromArray(F, keys, k + L).fma(qa0, b0);
                e0 = FloatVector.fromArray(F, keys, k).fma(qb0, e0);
                f0 = FloatVector.fromArray(F, keys, k + L).fma(qb0, f0);
                a1 = FloatVector.fromArray(F, keys, k + B).fma(qa1, a1);
                b1 = FloatVector.fromArray(F, keys, k + B + L).fma(qa1, b1);
                e1 = FloatVector.fromArray(F, keys, k + B).fma(qb1, e1);
                f1 = FloatVector.fromArray(F, keys, k + B + L).fma(qb1, f1);
            }
            store(a0.add(a1).mul(scale), out, offA, c, count);
            store(b0.add(b1).mul(scale), out, offA, c + L, count);
            store(e0.add(e1).mul(scale), out, offB, c, count);
            store(f0.add(f1).mul(scale), out, offB, c + L, count);
        }
    }

    /** Lanes of {@code v} for positions {@code c..} below {@code count}, to {@code out[off + c ..]}. */
    private static void store(FloatVector v, float[] out, int off, int c, int count) {
        if (c + L <= count) v.intoArray(out, off + c);
        else if (c < count) v.intoArray(out, off + c, F.indexInRange(c, count));
    }

    /**
     * {@code out[oo..oo+hd) += sum over t < count of weights[wOff + t] · value t}, value t at
     * {@code values[vo + t·hd ..]}: adds one block of positions; the caller zeroes {@code out} before the first.
     * Even and odd positions go to separate sums (eight FMA chains for a 64-wide head, not four).
     */
    static void weightedSum(float[] weights, int wOff, int count, float[] values, int vo, int hd, float[] out, int oo) {
        int j = 0;
        for (; j + 4 * L <= hd; j += 4 * L) {
            FloatVector o0 = FloatVector.fromArray(F, out, oo + j), o1 = FloatVector.fromArray(F, out, oo + j + L);
            FloatVector o2 = FloatVector.fromArray(F, out, oo + j + 2 * L), o3 = FloatVector.fromArray(F, out, oo + j + 3 * L);
            FloatVector p0 = FloatVector.zero(F), p1 = p0, p2 = p0, p3 = p0;
            int t = 0;
            for (; t + 2 <= count; t += 2) {
                FloatVector w = FloatVector.broadcast(F, weights[wOff + t]), u = FloatVector.broadcast(F, weights[wOff + t + 1]);
                int v = vo + t * hd + j;
                o0 = FloatVector.fromArray(F, values, v).fma(w, o0);
                o1 = FloatVector.fromArray(F, values, v + L).fma(w, o1);
                o2 = FloatVector.fromArray(F, values, v + 2 * L).fma(w, o2);
                o3 = FloatVector.fromArray(F, values, v + 3 * L).fma(w, o3);
                p0 = FloatVector.fromArray(F, values, v + hd).fma(u, p0);
                p1 = FloatVector.fromArray(F, values, v + hd + L).fma(u, p1);
                p2 = FloatVector.fromArray(F, values, v + hd + 2 * L).fma(u, p2);
                p3 = FloatVector.fromArray(F, values, v + hd + 3 * L).fma(u, p3);
            }
            for (; t < count; t++) {
                FloatVector w = FloatVector.broadcast(F, weights[wOff + t]);
                int v = vo + t * hd + j;
                o0 = FloatVector.fromArray(F, values, v).fma(w, o0);
                o1 = FloatVector.fromArray(F, values, v + L).fma(w, o1);
                o2 = FloatVector.fromArray(F, values, v + 2 * L).fma(w, o2);
                o3 = FloatVector.fromArray(F, values, v + 3 * L).fma(w, o3);
            }
            o0.add(p0).intoArray(out, oo + j);
            o1.add(p1).intoArray(out, oo + j + L);
            o2.add(p2).intoArray(out, oo + j + 2 * L);
            o3.add(p3).intoArray(out, oo + j + 3 * L);
        }
        weightedSumFrom(weights, wOff, count, values, vo, hd, out, oo, j);
    }

    /** {@link #weightedSum} for head elements {@code j0..hd}: a vector at a time, then one at a time. */
    private static void weightedSumFrom(float[] weights, int wOff, int count, float[] values, int vo, int hd, float[] out, int oo, int j0) {
        int j = j0;
        for (; j + L <= hd; j += L) {
            FloatVector o0 = FloatVector.fromArray(F, out, oo + j);
            for (int t = 0; t < count; t++) o0 = FloatVector.fromArray(F, values, vo + t * hd + j).fma(FloatVector.broadcast(F, weights[wOff + t]), o0);
            o0.intoArray(out, oo + j);
        }
        for (; j < hd; j++) {
            float s = out[oo + j];
            for (int t = 0; t < count; t++) s += weights[wOff + t] * values[vo + t * hd + j];
            out[oo + j] = s;
        }
    }

    /**
     * {@link #weightedSum} for two query heads' weights ({@code weights[wa..]}, {@code weights[wb..]}) into
     * {@code out[oa..]} and {@code out[ob..]}, each value vector loaded once for both.
     */
    static void weightedSumTwo(float[] weights, int wa, int wb, int count, float[] values, int vo, int hd, float[] out,
                               int oa, int ob) {
        int j = 0;
        for (; j + 4 * L <= hd; j += 4 * L) {
            FloatVector a0 = FloatVector.fromArray(F, out, oa + j), a1 = FloatVector.fromArray(F, out, oa + j + L);
            FloatVector a2 = FloatVector.fromArray(F, out, oa + j + 2 * L), a3 = FloatVector.fromArray(F, out, oa + j + 3 * L);
            FloatVector b0 = FloatVector.fromArray(F, out, ob + j), b1 = FloatVector.fromArray(F, out, ob + j + L);
            FloatVector b2 = FloatVector.fromArray(F, out, ob + j + 2 * L), b3 = FloatVector.fromArray(F, out, ob + j + 3 * L);
            for (int t = 0, n = Math.min(count, B); t < n; t++) { // count ≤ B: the bound is for C2, as SHORT_LOOP's
                FloatVector u = FloatVector.broadcast(F, weights[wa + t]), w = FloatVector.broadcast(F, weights[wb + t]);
                int v = vo + t * hd + j;
                FloatVector v0 = FloatVector.fromArray(F, values, v), v1 = FloatVector.fromArray(F, values, v + L);
                FloatVector v2 = FloatVector.fromArray(F, values, v + 2 * L), v3 = FloatVector.fromArray(F, values, v + 3 * L);
                a0 = v0.fma(u, a0);
                a1 = v1.fma(u, a1);
                a2 = v2.fma(u, a2);
                a3 = v3.fma(u, a3);
                b0 = v0.fma(w, b0);
                b1 = v1.fma(w, b1);
                b2 = v2.fma(w, b2);
                b3 = v3.fma(w, b3);
            }
            a0.intoArray(out, oa + j);
            a1.intoArray(out, oa + j + L);
            a2.intoArray(out, oa + j + 2 * L);
            a3.intoArray(out, oa + j + 3 * L);
            b0.intoArray(out, ob + j);
            b1.intoArray(out, ob + j + L);
            b2.intoArray(out, ob + j + 2 * L);
            b3.intoArray(out, ob + j + 3 * L);
        }
        if (j < hd) { // a head narrower than four vectors, or its rest: one head at a time
            weightedSumFrom(weights, wa, count, values, vo, hd, out, oa, j);
            weightedSumFrom(weights, wb, count, values, vo, hd, out, ob, j);
        }
    }

    /**
     * Query heads {@code qo/hd .. + heads} (their vectors from {@code q[qo]}) over positions {@code [0, count)} of a
     * slot's KV head {@code kvHead}: scores, softmax, then the weighted sums of the values into
     * {@code out[oo .. oo + heads·hd)}. Each block's run of the head is read once, as floats into {@code run}
     * (2·headDim·BLOCK floats: two blocks at a time, so it stays in L1 for all the heads). {@code scores} must hold
     * {@code heads · count} floats.
     */
    static void group(float[] q, int qo, int heads, KvCache cache, int slot, int layer, int kvHead, int hd, int count,
                      float scale, float[] scores, float[] run, float[] out, int oo) {
        int span = hd * B; // one block's run in `run`; two neighbouring blocks are widened together (two streams)
        for (int b = 0, from = 0; from < count; b += 2, from += 2 * B) {
            boolean two = from + B < count;
            if (two) cache.keysOfTwo(slot, layer, b, kvHead, run);
            else cache.keys(slot, layer, b, kvHead, run);
            for (int k = 0, at = from; k < (two ? 2 : 1); k++, at += B) {
                int n = Math.min(B, count - at), h = 0;
                for (; h + 2 <= heads; h += 2) {
                    scoresTwo(q, qo + h * hd, qo + (h + 1) * hd, run, k * span, hd, n, scale, scores, h * count + at, (h + 1) * count + at);
                }
                if (h < heads) scores(q, qo + h * hd, run, k * span, hd, n, scale, scores, h * count + at);
            }
        }
        for (int h = 0; h < heads; h++) softmax(scores, h * count, count);
        Arrays.fill(out, oo, oo + heads * hd, 0f);
        for (int b = 0, from = 0; from < count; b += 2, from += 2 * B) {
            boolean two = from + B < count;
            if (two) cache.valuesOfTwo(slot, layer, b, kvHead, run);
            else cache.values(slot, layer, b, kvHead, run);
            for (int k = 0, at = from; k < (two ? 2 : 1); k++, at += B) {
                int n = Math.min(B, count - at), h = 0;
                for (; h + 2 <= heads; h += 2) {
                    weightedSumTwo(scores, h * count + at, (h + 1) * count + at, n, run, k * span, hd, out, oo + h * hd, oo + (h + 1) * hd);
                }
                if (h < heads) weightedSum(scores, h * count + at, n, run, k * span, hd, out, oo + h * hd);
            }
        }
    }

    /** In-place softmax of {@code x[off..off+size)}, the exponentials a vector at a time. */
    static void softmax(float[] x, int off, int size) {
        int bound = off + F.loopBound(size), end = off + size;
        FloatVector mv = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = off;
        for (; i < bound; i += L) mv = mv.max(FloatVector.fromArray(F, x, i));
        float max = mv.reduceLanes(VectorOperators.MAX);
        for (; i < end; i++) max = Math.max(max, x[i]);
        FloatVector sv = FloatVector.zero(F);
        i = off;
        for (; i < bound; i += L) {
            FloatVector e = FloatVector.fromArray(F, x, i).sub(max).lanewise(VectorOperators.EXP);
            e.intoArray(x, i);
            sv = sv.add(e);
        }
        float sum = sv.reduceLanes(VectorOperators.ADD);
        for (; i < end; i++) {
            x[i] = (float) Math.exp(x[i] - max);
            sum += x[i];
        }
        float inv = 1f / sum;
        i = off;
        for (; i < bound; i += L) FloatVector.fromArray(F, x, i).mul(inv).intoArray(x, i);
        for (; i < end; i++) x[i] *= inv;
    }
}
