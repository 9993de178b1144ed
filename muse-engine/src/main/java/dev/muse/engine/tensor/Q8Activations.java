package dev.muse.engine.tensor;

/**
 * An activation vector quantised as llama.cpp's Q8_0 does before a quantised matrix product: per 32 values one
 * scale {@code d = max|x| / 127} and the values {@code round(x / d)} in −127..127, kept widened to shorts so the
 * kernels multiply them straight away. {@code sums} holds each block's Σq (for the K-quants' minimum terms).
 * Built once per product and read for every row.
 */
final class Q8Activations {
    final short[] q;
    final float[] d;
    final int[] sums;

    private Q8Activations(int n) {
        q = new short[n];
        d = new float[n / 32];
        sums = new int[n / 32];
    }

    static Q8Activations of(float[] x, int n) {
        Q8Activations a = new Q8Activations(n);
        for (int b = 0; b < n / 32; b++) {
            int o = b * 32;
            float max = 0f;
            for (int j = 0; j < 32; j++) max = Math.max(max, Math.abs(x[o + j]));
            float d = max / 127f;
            float inv = d == 0f ? 0f : 1f / d;
            int sum = 0;
            for (int j = 0; j < 32; j++) {
                int v = Math.round(x[o + j] * inv);
                a.q[o + j] = (short) v;
                sum += v;
            }
            a.d[b] = d;
            a.sums[b] = sum;
        }
        return a;
    }

    /** The values this stands for, {@code d·q} (tests). */
    float[] dequantize() {
        float[] out = new float[q.length];
        for (int i = 0; i < q.length; i++) out[i] = d[i / 32] * q[i];
        return out;
    }
}
