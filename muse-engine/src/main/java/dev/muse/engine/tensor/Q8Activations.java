package dev.muse.engine.tensor;

import java.util.function.Function;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * An activation vector quantised as llama.cpp's Q8_0 does before a quantised matrix product: per 32 values one
 * scale {@code d = max|x| / 127} and the values {@code round(x / d)} in −127..127, kept widened to shorts so the
 * kernels multiply them straight away. {@code sums} holds each block's Σq (for the K-quants' minimum terms).
 * Built once per product and read for every row.
 */
final class Q8Activations {
    /*
     * One vector width per element type: 512 bits where the wide kernels run (AVX-512), else 256. C2 resolves most
     * Vector API calls through a type profile kept at a call site inside the API, shared by every caller in the JVM;
     * quantising with 256-bit vectors (every product, from the first prompt on) made those profiles bimorphic for the
     * 512-bit kernels, and in some starts their intrinsics then failed and vectors were boxed (engine README, "Bad
     * compiles of the batch kernels"). Either width gives the same values.
     */
    private static final VectorSpecies<Float> F = Tensor.WIDE ? Tensor.F16 : Tensor.F8;
    private static final VectorSpecies<Integer> IF = Tensor.WIDE ? Tensor.I16 : Tensor.I;
    /** Shorts as many as {@link #F}'s lanes: a vector of rounded values narrowed. */
    private static final VectorSpecies<Short> SF = Tensor.WIDE ? Tensor.S : ShortVector.SPECIES_128;
    /** Shorts read as {@link #F}'s width of ints, for {@link #pairs}. */
    private static final VectorSpecies<Short> SI = Tensor.WIDE ? Tensor.S32 : Tensor.S;
    final short[] q;
    final float[] d;
    final int[] sums;
    /** d times the block sum, for the K-quants' minimum terms. */
    final float[] ds;

    /** An empty vector of {@code n} values, for {@link #quantize} to fill (and refill: products reuse them). */
    Q8Activations(int n) {
        q = new short[n];
        d = new float[n / 32];
        sums = new int[n / 32];
        ds = new float[n / 32];
    }

    static Q8Activations of(float[] x, int n) {
        Q8Activations a = new Q8Activations(n);
        a.quantize(x);
        return a;
    }

    /**
     * Quantises {@code x}'s first {@code q.length} values into this vector; the forms built from it before are
     * dropped and rebuilt on demand into the same arrays (fresh arrays per product were a serial first-touch of
     * memory, ~4% of a decode step of 8 sequences).
     */
    void quantize(float[] x) {
        int n = q.length;
        for (int b = 0; b < n / 32; b++) {
            int o = b * 32;
            float step = scale(x, o);
            float inv = step == 0f ? 0f : 1f / step;
            IntVector total = IntVector.zero(IF);
            for (int j = 0; j < 32; j += F.length()) {
                IntVector r = round(FloatVector.fromArray(F, x, o + j), inv);
                ((ShortVector) r.convertShape(VectorOperators.I2S, SF, 0)).intoArray(q, o + j);
                total = total.add(r);
            }
            int sum = total.reduceLanes(VectorOperators.ADD);
            d[b] = step;
            sums[b] = sum;
            ds[b] = step * sum;
        }
        if (pairs != null) spare.pairs = pairs;
        if (shortPairs != null) spare.shortPairs = shortPairs;
        if (pairedNeighbours != null) spare.pairedNeighbours = pairedNeighbours;
        if (pairedSuperBlocks != null) spare.pairedSuperBlocks = pairedSuperBlocks;
        if (pairedShorts != null) spare.pairedShorts = pairedShorts;
        if (batch != null && batch.count() == 8) spare.batch8 = batch;
        else if (batch != null) spare.batch4 = batch;
        pairs = shortPairs = null;
        pairedNeighbours = pairedSuperBlocks = pairedShorts = null;
        batch = null;
    }

    /** The arrays of the forms {@link #quantize} dropped, for their builders to fill again (all same-sized). */
    private static final class Spare {
        int[] pairs, shortPairs;
        Paired pairedNeighbours, pairedSuperBlocks, pairedShorts;
        Batch batch4, batch8;
    }

    private final Spare spare = new Spare();

    /**
     * What the float kernels multiply when a batch takes them: {@code x}'s first {@code n} values as a Q8_0-quantised
     * vector stands for them (the same d·q per value as {@link #of} gives), written to {@code out} without
     * keeping the quantised form — prompt chunks ran this per vector and product, and the arrays were garbage.
     */
    static void roundTrip(float[] x, int n, float[] out) {
        for (int b = 0; b < n / 32; b++) {
            int o = b * 32;
            float d = scale(x, o);
            float inv = d == 0f ? 0f : 1f / d;
            FloatVector db = FloatVector.broadcast(F, d);
            for (int j = 0; j < 32; j += F.length()) {
                ((FloatVector) round(FloatVector.fromArray(F, x, o + j), inv).convertShape(VectorOperators.I2F, F, 0)).mul(db).intoArray(out, o + j);
            }
        }
    }

    /** The scale {@code max|x| / 127} of the block at {@code x[o..o+32)}. */
    private static float scale(float[] x, int o) {
        FloatVector m = FloatVector.fromArray(F, x, o).abs();
        for (int j = F.length(); j < 32; j += F.length()) m = m.max(FloatVector.fromArray(F, x, o + j).abs());
        return m.reduceLanes(VectorOperators.MAX) / 127f;
    }

    /** {@code x·inv} rounded half away from zero, as C's roundf in llama.cpp's reference quantiser. */
    private static IntVector round(FloatVector x, float inv) {
        FloatVector v = x.mul(inv);
        FloatVector half = FloatVector.broadcast(F, 0.5f).blend(-0.5f, v.compare(VectorOperators.LT, 0f));
        return (IntVector) v.add(half).convertShape(VectorOperators.F2I, IF, 0);
    }

    private int[] pairs;

    /**
     * For the row-group kernels: per pair {@code (q[2k], q[2k+1])} the int {@code (q[2k] << 16) + q[2k+1]}.
     * Multiplying a 32-bit lane that holds two unsigned weights {@code w0 + (w1 << 16)} by it leaves
     * {@code w0·q[2k] + w1·q[2k+1]} in the upper 16 bits (plus {@code w0·q[2k+1]} below, which a rounding shift
     * removes): one multiply for two multiply-adds. Kept compact and broadcast by the kernels — a copy repeated over
     * the lanes filled the L1 cache and halved their speed on weights streamed from memory. Built before the threads.
     */
    int[] pairs() {
        int[] p = pairs;
        if (p == null) {
            p = spare.pairs != null ? spare.pairs : new int[q.length / 2];
            int k = 0;
            for (; k + SI.length() / 2 <= p.length; k += SI.length() / 2) { // a lane read as an int is q[2k] & 0xffff | q[2k+1] << 16
                IntVector v = ShortVector.fromArray(SI, q, 2 * k).reinterpretAsInts();
                v.lanewise(VectorOperators.LSHL, 16).add(v.lanewise(VectorOperators.ASHR, 16)).intoArray(p, k);
            }
            for (; k < p.length; k++) p[k] = (q[2 * k] << 16) + q[2 * k + 1];
            pairs = p;
        }
        return p;
    }

    /**
     * What the 512-bit row-group kernels read, which hold two blocks of 32 in one vector: block {@code m} in the even
     * 32-bit lanes and block {@code m + apart} in the odd ones, for blocks in runs of {@code 2·apart} (Q4_0 pairs
     * neighbours, the K-quants pair super-blocks: apart 8). Each entry holds the even block's value in its low half and
     * the odd block's in its high half, so one long broadcast gives every lane its block's value. Blocks past the end
     * pair with zeros.
     *
     * @param pairs per run and pair index {@code t < 16·apart}: the {@link #pairs} of both blocks
     * @param d per run and {@code t < apart}: both scales' float bits
     * @param sums both block sums Σq
     * @param ds both {@code d·Σq}, float bits
     */
    record Paired(long[] pairs, long[] d, long[] sums, long[] ds) {}

    private Paired pairedNeighbours, pairedSuperBlocks;

    /** {@link Paired} for blocks {@code apart} (1 or 8) apart; built once, before the threads. */
    Paired paired(int apart) {
        Paired p = apart == 1 ? pairedNeighbours : pairedSuperBlocks;
        if (p == null) {
            p = pair(apart, apart == 1 ? spare.pairedNeighbours : spare.pairedSuperBlocks);
            if (apart == 1) pairedNeighbours = p;
            else pairedSuperBlocks = p;
        }
        return p;
    }

    private Paired pair(int apart, Paired reuse) {
        int[] p = pairs();
        int blocks = d.length, runs = (blocks + 2 * apart - 1) / (2 * apart);
        long[] pp, dd, ss, dss;
        if (reuse != null) {
            pp = reuse.pairs(); dd = reuse.d(); ss = reuse.sums(); dss = reuse.ds();
        } else {
            pp = new long[runs * apart * 16];
            dd = new long[runs * apart]; ss = new long[runs * apart]; dss = new long[runs * apart];
        }
        for (int k = 0; k < runs; k++) {
            for (int t = 0; t < apart; t++) {
                int even = 2 * apart * k + t, odd = even + apart;
                boolean evenIn = even < blocks, oddIn = odd < blocks;
                for (int j = 0; j < 16; j++) {
                    pp[(k * apart + t) * 16 + j] = both(evenIn ? p[16 * even + j] : 0, oddIn ? p[16 * odd + j] : 0);
                }
                int at = k * apart + t;
                dd[at] = both(evenIn ? Float.floatToRawIntBits(d[even]) : 0, oddIn ? Float.floatToRawIntBits(d[odd]) : 0);
                ss[at] = both(evenIn ? sums[even] : 0, oddIn ? sums[odd] : 0);
                dss[at] = both(evenIn ? Float.floatToRawIntBits(ds[even]) : 0, oddIn ? Float.floatToRawIntBits(ds[odd]) : 0);
            }
        }
        return new Paired(pp, dd, ss, dss);
    }

    private static long both(int low, int high) {
        return (low & 0xffffffffL) | (long) high << 32;
    }

    private int[] shortPairs;

    /**
     * For Q8_0's row-group kernel: per pair {@code (q[2k], q[2k+1])} the int holding {@code q[2k]} in its low half and
     * {@code q[2k+1]} in its high half, as a 32-bit lane of shorts reads them (the order a 16-bit multiply needs).
     * Built before the threads.
     */
    int[] shortPairs() {
        int[] p = shortPairs;
        if (p == null) {
            p = spare.shortPairs != null ? spare.shortPairs : new int[q.length / 2];
            for (int k = 0; k < p.length; k++) p[k] = (q[2 * k] & 0xffff) | q[2 * k + 1] << 16;
            shortPairs = p;
        }
        return p;
    }

    private Paired pairedShorts;

    /**
     * {@link #shortPairs} for the 512-bit Q8_0 kernel, neighbouring blocks paired as {@link #paired}{@code (1)} pairs
     * them: {@code pairs} holds both blocks' short pairs, {@code d} both scales; the sums are not needed (null).
     */
    Paired pairedShorts() {
        Paired p = pairedShorts;
        if (p == null) {
            int[] s = shortPairs();
            int blocks = d.length, runs = (blocks + 1) / 2;
            Paired reuse = spare.pairedShorts;
            long[] pp = reuse != null ? reuse.pairs() : new long[runs * 16], dd = reuse != null ? reuse.d() : new long[runs];
            for (int k = 0; k < runs; k++) {
                boolean oddIn = 2 * k + 1 < blocks;
                for (int j = 0; j < 16; j++) pp[16 * k + j] = both(s[32 * k + j], oddIn ? s[32 * k + 16 + j] : 0);
                dd[k] = both(Float.floatToRawIntBits(d[2 * k]), oddIn ? Float.floatToRawIntBits(d[2 * k + 1]) : 0);
            }
            p = new Paired(pp, dd, null, null);
            pairedShorts = p;
        }
        return p;
    }

    /**
     * The {@link #paired} forms of {@code count} vectors interleaved entry by entry: entry {@code t·count + v} is
     * vector v's entry t of {@code pairs}, {@code d}, {@code sums} or {@code ds} (null when the form
     * has none). A many-vector kernel then finds one step's values for all its vectors in one array: reading an array
     * per vector and form (up to twelve), C2 ran out of general registers, parked the bases in vector registers and
     * moved them back every step (per core from memory ~10% slower; measured with a harness over Q4_0's 512-bit row
     * groups).
     */
    record Batch(int count, long[] pairs, long[] d, long[] sums, long[] ds) {}

    /** The paired forms a {@link Batch} is built from: Q4_0's neighbouring blocks, the K-quants' super-blocks, Q8_0's shorts. */
    static final Function<Q8Activations, Paired> NEIGHBOURS = x -> x.paired(1), SUPER_BLOCKS = x -> x.paired(8),
            SHORTS = Q8Activations::pairedShorts;

    private Batch batch;

    /**
     * The {@link Batch} of {@code xs[from .. from + count)} from each one's paired {@code form}, kept with
     * {@code xs[from]} until it is quantised again (it belongs to this product's vectors, as the other forms do).
     * Arrays are reused from the last batch of this size; entries of a form the vectors lack (Q8_0's shorts have no
     * sums) keep what they held, and that form's kernel does not read them. Built before the threads.
     */
    static Batch batch(Q8Activations[] xs, int from, int count, Function<Q8Activations, Paired> form) {
        Q8Activations lead = xs[from];
        Batch b = lead.batch;
        if (b == null) {
            Paired first = form.apply(lead);
            int steps = first.pairs().length, runs = first.d().length;
            Batch reuse = count == 8 ? lead.spare.batch8 : lead.spare.batch4;
            b = reuse != null && reuse.pairs().length == steps * count && reuse.d().length == runs * count
                    ? reuse
                    : new Batch(count, new long[steps * count], new long[runs * count], new long[runs * count],
                            new long[runs * count]);
            for (int v = 0; v < count; v++) {
                Paired p = form.apply(xs[from + v]);
                interleave(p.pairs(), b.pairs(), v, count);
                interleave(p.d(), b.d(), v, count);
                interleave(p.sums(), b.sums(), v, count);
                interleave(p.ds(), b.ds(), v, count);
            }
            lead.batch = b;
        }
        assert b.count() == count : "a batch of " + b.count() + " read as one of " + count;
        return b;
    }

    /** {@code to[t·count + v] = from[t]}; a form the vectors lack ({@code from} null) leaves zeros. */
    private static void interleave(long[] from, long[] to, int v, int count) {
        if (from == null || to == null) return;
        for (int t = 0; t < from.length; t++) to[t * count + v] = from[t];
    }
}
