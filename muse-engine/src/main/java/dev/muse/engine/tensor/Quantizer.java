package dev.muse.engine.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Turns floats into the byte layout of a ggml type, so tests (and a future converter) can write GGUF files of
 * every supported type. The layouts are ggml's; the choice of scales is a simple, honest one (max-based, rounded
 * to nearest), not llama.cpp's search for the error-minimising scale.
 */
public final class Quantizer {
    private Quantizer() {}

    /** {@code values.length} must be a multiple of the type's block size. */
    public static byte[] quantize(GgmlType type, float[] values) {
        if (values.length % type.blockSize() != 0) {
            throw new IllegalArgumentException(values.length + " values are not whole blocks of " + type.blockSize() + " for " + type);
        }
        ByteBuffer out = ByteBuffer.allocate((int) type.bytesFor(values.length)).order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case F32 -> {
                for (float v : values) out.putFloat(v);
            }
            case F16 -> {
                for (float v : values) out.putShort(Float.floatToFloat16(v));
            }
            case BF16 -> {
                for (float v : values) out.putShort(toBf16(v));
            }
            case Q8_0 -> {
                for (int b = 0; b < values.length; b += 32) q8_0(values, b, out);
            }
            case Q4_0 -> {
                for (int b = 0; b < values.length; b += 32) q4_0(values, b, out);
            }
            case Q4_1, Q5_1 -> {
                for (int b = 0; b < values.length; b += 32) qAffine(values, b, out, type == GgmlType.Q5_1);
            }
            case Q5_0 -> {
                for (int b = 0; b < values.length; b += 32) q5_0(values, b, out);
            }
            case Q4_K -> {
                for (int b = 0; b < values.length; b += 256) qK(values, b, out, false);
            }
            case Q5_K -> {
                for (int b = 0; b < values.length; b += 256) qK(values, b, out, true);
            }
            case Q6_K -> {
                for (int b = 0; b < values.length; b += 256) q6_K(values, b, out);
            }
            default -> throw new UnsupportedTensorTypeException("quantising to " + type);
        }
        return out.array();
    }

    static short toBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) return (short) ((bits >>> 16) | 0x40);
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16); // round to nearest even
    }

    private static float half(float v) {
        return Float.float16ToFloat(Float.floatToFloat16(v));
    }

    private static void q8_0(float[] x, int at, ByteBuffer out) {
        float amax = 0;
        for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[at + j]));
        float d = amax / 127f;
        float id = d != 0 ? 1f / d : 0f;
        out.putShort(Float.floatToFloat16(d));
        for (int j = 0; j < 32; j++) out.put((byte) Math.round(x[at + j] * id));
    }

    private static void q4_0(float[] x, int at, ByteBuffer out) {
        float amax = 0;
        float max = 0;
        for (int j = 0; j < 32; j++) {
            if (Math.abs(x[at + j]) > amax) {
                amax = Math.abs(x[at + j]);
                max = x[at + j];
            }
        }
        float d = max / -8f;
        float id = d != 0 ? 1f / d : 0f;
        out.putShort(Float.floatToFloat16(d));
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(15, (int) (x[at + j] * id + 8.5f));
            int hi = Math.min(15, (int) (x[at + j + 16] * id + 8.5f));
            out.put((byte) (lo | (hi << 4)));
        }
    }

    /** Q4_1 or Q5_1: per block a scale and a minimum, q = round((x − min) / d). */
    private static void qAffine(float[] x, int at, ByteBuffer out, boolean five) {
        int levels = five ? 31 : 15;
        float lo = Float.MAX_VALUE;
        float hi = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            lo = Math.min(lo, x[at + j]);
            hi = Math.max(hi, x[at + j]);
        }
        float d = half((hi - lo) / levels);
        float m = half(lo);
        int[] q = new int[32];
        for (int j = 0; j < 32; j++) q[j] = d == 0 ? 0 : Math.max(0, Math.min(levels, Math.round((x[at + j] - m) / d)));
        out.putShort(Float.floatToFloat16(d));
        out.putShort(Float.floatToFloat16(m));
        if (five) out.putInt(highBits(q));
        for (int j = 0; j < 16; j++) out.put((byte) ((q[j] & 0x0f) | ((q[j + 16] & 0x0f) << 4)));
    }

    private static void q5_0(float[] x, int at, ByteBuffer out) {
        float amax = 0;
        float max = 0;
        for (int j = 0; j < 32; j++) {
            if (Math.abs(x[at + j]) > amax) {
                amax = Math.abs(x[at + j]);
                max = x[at + j];
            }
        }
        float d = max / -16f;
        float id = d != 0 ? 1f / d : 0f;
        int[] q = new int[32];
        for (int j = 0; j < 32; j++) q[j] = Math.max(0, Math.min(31, (int) (x[at + j] * id + 16.5f)));
        out.putShort(Float.floatToFloat16(d));
        out.putInt(highBits(q));
        for (int j = 0; j < 16; j++) out.put((byte) ((q[j] & 0x0f) | ((q[j + 16] & 0x0f) << 4)));
    }

    /** Bit j of the result is the fifth bit of element j. */
    private static int highBits(int[] q) {
        int qh = 0;
        for (int j = 0; j < 32; j++) qh |= ((q[j] >> 4) & 1) << j;
        return qh;
    }

    /** Q4_K ({@code five == false}) or Q5_K: eight groups of 32 with a 6-bit scale and min each. */
    private static void qK(float[] x, int at, ByteBuffer out, boolean five) {
        int levels = five ? 31 : 15;
        float[] scale = new float[8];
        float[] min = new float[8];
        for (int g = 0; g < 8; g++) {
            float lo = 0;
            float hi = 0;
            for (int l = 0; l < 32; l++) {
                lo = Math.min(lo, x[at + 32 * g + l]);
                hi = Math.max(hi, x[at + 32 * g + l]);
            }
            scale[g] = (hi - lo) / levels;
            min[g] = -lo;
        }
        float maxScale = 0;
        float maxMin = 0;
        for (int g = 0; g < 8; g++) {
            maxScale = Math.max(maxScale, scale[g]);
            maxMin = Math.max(maxMin, min[g]);
        }
        float d = half(maxScale / 63f);
        float dmin = half(maxMin / 63f);
        int[] sc = new int[8];
        int[] m = new int[8];
        for (int g = 0; g < 8; g++) {
            sc[g] = d == 0 ? 0 : Math.min(63, Math.round(scale[g] / d));
            m[g] = dmin == 0 ? 0 : Math.min(63, Math.round(min[g] / dmin));
        }
        byte[] packed = new byte[12];
        for (int j = 0; j < 4; j++) {
            packed[j] = (byte) ((sc[j] & 63) | ((sc[j + 4] >> 4) << 6));
            packed[j + 4] = (byte) ((m[j] & 63) | ((m[j + 4] >> 4) << 6));
            packed[j + 8] = (byte) ((sc[j + 4] & 0x0f) | ((m[j + 4] & 0x0f) << 4));
        }
        int[] q = new int[256];
        for (int g = 0; g < 8; g++) {
            float step = d * sc[g];
            float offset = dmin * m[g];
            for (int l = 0; l < 32; l++) {
                int v = step == 0 ? 0 : Math.round((x[at + 32 * g + l] + offset) / step);
                q[32 * g + l] = Math.max(0, Math.min(levels, v));
            }
        }
        out.putShort(Float.floatToFloat16(d));
        out.putShort(Float.floatToFloat16(dmin));
        out.put(packed);
        if (five) {
            byte[] qh = new byte[32];
            for (int g = 0; g < 8; g++) {
                for (int l = 0; l < 32; l++) qh[l] |= (byte) (((q[32 * g + l] >> 4) & 1) << g);
            }
            out.put(qh);
        }
        for (int c = 0; c < 4; c++) {
            for (int l = 0; l < 32; l++) {
                out.put((byte) ((q[64 * c + l] & 0x0f) | ((q[64 * c + 32 + l] & 0x0f) << 4)));
            }
        }
    }

    private static void q6_K(float[] x, int at, ByteBuffer out) {
        float[] scale = new float[16];
        float maxAbs = 0;
        for (int s = 0; s < 16; s++) {
            float amax = 0;
            for (int l = 0; l < 16; l++) amax = Math.max(amax, Math.abs(x[at + 16 * s + l]));
            scale[s] = amax / 31f;
            maxAbs = Math.max(maxAbs, scale[s]);
        }
        float d = half(maxAbs / 127f);
        byte[] sc = new byte[16];
        int[] q = new int[256];
        for (int s = 0; s < 16; s++) {
            int si = d == 0 ? 0 : Math.min(127, Math.round(scale[s] / d));
            sc[s] = (byte) si;
            float step = d * si;
            for (int l = 0; l < 16; l++) {
                int v = step == 0 ? 0 : Math.round(x[at + 16 * s + l] / step);
                q[16 * s + l] = Math.max(-32, Math.min(31, v)) + 32;
            }
        }
        byte[] ql = new byte[128];
        byte[] qh = new byte[64];
        for (int n = 0; n < 2; n++) {
            int j = 128 * n;
            for (int l = 0; l < 32; l++) {
                ql[64 * n + l] = (byte) ((q[j + l] & 0x0f) | ((q[j + l + 64] & 0x0f) << 4));
                ql[64 * n + l + 32] = (byte) ((q[j + l + 32] & 0x0f) | ((q[j + l + 96] & 0x0f) << 4));
                qh[32 * n + l] = (byte) ((q[j + l] >> 4) | ((q[j + l + 32] >> 4) << 2) | ((q[j + l + 64] >> 4) << 4)
                        | ((q[j + l + 96] >> 4) << 6));
            }
        }
        out.put(ql);
        out.put(qh);
        out.put(sc);
        out.putShort(Float.floatToFloat16(d));
    }
}
