package dev.muse.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * A weight matrix of {@code rows × cols} elements of one ggml type, viewed over a memory segment (normally a slice
 * of the memory-mapped model file: nothing is copied). Rows are stored one after the other; {@code cols} is ggml's
 * {@code ne[0]}. Each type gives a scalar block dequantiser (the reference) and a Vector API {@link #dot}; the
 * matrix-vector products are written once here.
 */
public abstract sealed class Tensor
        permits F32Tensor, HalfFloatTensor, Q8_0Tensor, Q4_0Tensor, Q8CopyTensor, Q4_KTensor, Q5_KTensor,
                Q6_KTensor {

    static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfByte I8 = ValueLayout.JAVA_BYTE;
    static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong I64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Per-thread unpack buffer for {@link #dotViaBlocks}: one block of up to 256 values. */
    private static final ThreadLocal<float[]> BLOCK_BUFFER = ThreadLocal.withInitial(() -> new float[256]);
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** Float lanes chosen once for the machine. */
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Bytes loaded per step for the quantised kernels: as many as there are float lanes, at least 8. */
    static final VectorSpecies<Byte> B =
            ByteVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(Math.max(64, F.length() * 8)));
    /** How many float vectors one byte vector widens into. */
    static final int PARTS = B.length() / F.length();
    /** The quantised vector kernels step through 16-element sub-blocks; they need 8 or 16 bytes per load. */
    static final boolean VECTOR_OK = F.length() >= 4 && (B.length() == 8 || B.length() == 16);

    final String name;
    final MemorySegment data;
    final long[] shape;
    final int cols;
    final int rows;

    Tensor(String name, long[] shape, MemorySegment data) {
        this.name = name;
        this.shape = shape.clone();
        this.data = data;
        this.cols = (int) shape[0];
        long r = 1;
        for (int i = 1; i < shape.length; i++) r *= shape[i];
        this.rows = (int) r;
    }

    /**
     * A tensor of {@code type} over {@code data}. Checks that the segment has exactly the bytes the shape needs and
     * that rows are whole blocks.
     *
     * @throws UnsupportedTensorTypeException when the engine does not compute with {@code type}
     */
    public static Tensor of(String name, GgmlType type, long[] shape, MemorySegment data) {
        if (shape.length == 0 || shape.length > 4) {
            throw new IllegalArgumentException("tensor '" + name + "' has " + shape.length + " dimensions; 1 to 4 expected");
        }
        long elements = 1;
        for (long d : shape) {
            if (d <= 0) throw new IllegalArgumentException("tensor '" + name + "' has a non-positive dimension: " + Arrays.toString(shape));
            elements = Math.multiplyExact(elements, d);
        }
        if (shape[0] > Integer.MAX_VALUE || elements / shape[0] > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor '" + name + "' is too large: " + Arrays.toString(shape));
        }
        if (shape[0] % type.blockSize() != 0) {
            throw new IllegalArgumentException("tensor '" + name + "' of type " + type + " has rows of " + shape[0]
                    + " elements, not a multiple of the block size " + type.blockSize());
        }
        long bytes = type.bytesFor(elements);
        if (bytes != data.byteSize()) {
            throw new IllegalArgumentException("tensor '" + name + "' of type " + type + " and shape " + Arrays.toString(shape)
                    + " needs " + bytes + " bytes but has " + data.byteSize());
        }
        return switch (type) {
            case F32 -> new F32Tensor(name, shape, data);
            case F16 -> new F16Tensor(name, shape, data);
            case BF16 -> new BF16Tensor(name, shape, data);
            case Q8_0 -> new Q8_0Tensor(name, shape, data);
            case Q4_0 -> new Q4_0Tensor(name, shape, data);
            case Q4_1 -> new Q4_1Tensor(name, shape, data);
            case Q5_0 -> new Q5_0Tensor(name, shape, data);
            case Q5_1 -> new Q5_1Tensor(name, shape, data);
            case Q4_K -> new Q4_KTensor(name, shape, data);
            case Q5_K -> new Q5_KTensor(name, shape, data);
            case Q6_K -> new Q6_KTensor(name, shape, data);
            default -> throw new UnsupportedTensorTypeException("tensor '" + name + "' has type " + type + ", which");
        };
    }

    /** A heap F32 tensor over {@code values}, for small vectors such as norms and for tests. */
    public static Tensor ofFloats(String name, long[] shape, float[] values) {
        return of(name, GgmlType.F32, shape, MemorySegment.ofArray(values));
    }

    public abstract GgmlType type();

    public String name() {
        return name;
    }

    public long[] shape() {
        return shape.clone();
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    public MemorySegment data() {
        return data;
    }

    /** Scalar reference: writes the {@code blockSize} values of the block starting at byte {@code at} to {@code out}. */
    abstract void dequantizeBlock(long at, float[] out, int off);

    /** Scalar reference: row {@code row} as floats into {@code out[off..off+cols)}. */
    public void dequantizeRow(int row, float[] out, int off) {
        int bs = type().blockSize();
        long bb = type().blockBytes();
        long at = (long) row * (cols / bs) * bb;
        for (int i = 0; i < cols; i += bs, at += bb) dequantizeBlock(at, out, off + i);
    }

    /** The whole tensor as floats (tests and small tensors only). */
    public float[] toFloats() {
        float[] out = new float[Math.multiplyExact(rows, cols)];
        for (int r = 0; r < rows; r++) dequantizeRow(r, out, r * cols);
        return out;
    }

    /** Scalar reference dot product of row {@code row} with {@code x[xOff..xOff+cols)}: dequantise, then multiply. */
    public float dotScalar(int row, float[] x, int xOff) {
        float[] buf = new float[type().blockSize()];
        int bs = buf.length;
        long bb = type().blockBytes();
        long at = (long) row * (cols / bs) * bb;
        float sum = 0f;
        for (int i = 0; i < cols; i += bs, at += bb) {
            dequantizeBlock(at, buf, 0);
            for (int j = 0; j < bs; j++) sum += buf[j] * x[xOff + i + j];
        }
        return sum;
    }

    /** Dot product that unpacks block by block with the scalar code and multiplies with the Vector API. */
    final float dotViaBlocks(int row, float[] x, int xOff) {
        float[] buf = BLOCK_BUFFER.get();
        int bs = type().blockSize();
        long bb = type().blockBytes();
        long at = (long) row * (cols / bs) * bb;
        FloatVector acc = FloatVector.zero(F);
        float tail = 0f;
        int upper = F.loopBound(bs);
        for (int i = 0; i < cols; i += bs, at += bb) {
            dequantizeBlock(at, buf, 0);
            int j = 0;
            for (; j < upper; j += F.length()) {
                acc = FloatVector.fromArray(F, buf, j).fma(FloatVector.fromArray(F, x, xOff + i + j), acc);
            }
            for (; j < bs; j++) tail += buf[j] * x[xOff + i + j];
        }
        return acc.reduceLanes(jdk.incubator.vector.VectorOperators.ADD) + tail;
    }

    /** Fast dot product of row {@code row} with {@code x[xOff..xOff+cols)}; equals {@link #dotScalar} up to rounding. */
    public abstract float dot(int row, float[] x, int xOff);

    /** Shorts per integer-kernel load: 16 (256 bits); the integer kernels need AVX2-sized vectors. */
    static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
    static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    /** Eight bytes: one per row of a row group (the K-quants' per-row scales), widened to {@link #I}'s lanes. */
    static final VectorSpecies<Byte> B8 = ByteVector.SPECIES_64;
    static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    static final boolean INT_OK = ShortVector.SPECIES_PREFERRED.vectorBitSize() >= 256;
    /**
     * 512-bit vectors run natively (AVX-512): row-group kernels that have a wide form then take two blocks per
     * vector, half the instructions per weight. {@code -Dmuse.engine.wide=false} keeps the 256-bit kernels.
     */
    static final boolean WIDE = IntVector.SPECIES_PREFERRED.vectorBitSize() >= 512
            && !"false".equals(System.getProperty("muse.engine.wide"));

    /**
     * Bits per vector the kernels run on: the JVM's preferred width (512 with AVX-512, 256 with AVX2 or under
     * {@code -XX:UseAVX=2}), which decides between the 512-bit and 256-bit kernels.
     */
    public static int vectorBits() {
        return F.vectorBitSize();
    }
    static final VectorSpecies<Short> S32 = ShortVector.SPECIES_512;
    static final VectorSpecies<Byte> B32 = ByteVector.SPECIES_256;
    static final VectorSpecies<Integer> I16 = IntVector.SPECIES_512;
    static final VectorSpecies<Long> L8 = LongVector.SPECIES_512;
    static final VectorSpecies<Float> F16 = FloatVector.SPECIES_512;

    /**
     * True when this type has integer kernels over {@link Q8Activations}: the matrix products then quantise the
     * activations once and multiply 8-bit integers, as llama.cpp does.
     */
    boolean integerDot() {
        return false;
    }

    /**
     * Integer kernel: {@code outs[i][row] = row · xs[i]} for {@code i < n}, each weight block loaded once for up to
     * four vectors. Each vector's result must not depend on {@code n} (same order of operations).
     */
    void dotQ8(int row, Q8Activations[] xs, int n, float[][] outs) {
        throw new UnsupportedOperationException(type() + " has no integer kernel");
    }

    /**
     * Whether a product with {@code n} vectors takes the integer kernel: below {@link #GEMM_FROM}, where the float
     * tile takes over. A single vector takes it as llama.cpp does (activations quantised to 8 bits); the Vector API
     * has no 8-bit multiply-add (no VNNI, no {@code maddubs}), so it widens to 16-bit multiplies instead.
     */
    boolean integerFor(int n) {
        return n < GEMM_FROM;
    }

    /**
     * {@code -Dmuse.engine.rowGroups=false} keeps only the mapped file: less memory, slower decoding of Q8_0, Q4_0,
     * Q4_K, Q5_K, Q6_K (the fallback types' Q8_0 copies, {@link Q8CopyTensor}, are still made).
     */
    static final boolean ROW_GROUPS = !"false".equals(System.getProperty("muse.engine.rowGroups"));
    /** Rows per group in the interleaved decoding layout of {@link #rowGroups}. */
    static final int GROUP = 8;

    /**
     * A matrix's rows in groups of {@link #GROUP}, interleaved for the decoding kernels: per group and block the
     * rows' quants (two weights of one row per 32-bit lane; the K-quants' small scales as bytes after them) and
     * their scales as floats — or, in the 512-bit layouts, as the file's half floats among the quant bytes, one
     * stream instead of two ({@code scales} then stays empty).
     * On the Java heap: array loads inline into the kernels far more reliably than memory-segment loads (whose
     * session checks C2 sometimes left inside the loop, which cost the whole gain).
     */
    record RowGroups(byte[] quants, float[] scales) {}

    /**
     * Columns per slab of the row-group layout. A row-group kernel reads the whole activation vector again for every
     * group of rows; once a group's weights and the activations together outgrow the 32 KB L1 cache of the Zen 4
     * this was measured on (rows longer than ~4096 columns), every group fetched the activations back from L2, and
     * the kernels ran 1.65× slower per weight on one core (Q4_0's 2048×8192 FFN-down against its 8192×2048
     * FFN-up). So the layout holds slabs of this many columns, within a slab the groups one after another, and a
     * product runs slab by slab: the activations' slice stays in L1 and the weights are still read in order.
     */
    static final int SLAB_COLUMNS = 2048;

    /**
     * Products of at least this many vectors first read each group's slab of weights into the cache
     * ({@link #pullIntoCache}). At 8 vectors a row-group kernel takes its weights at ~5 GB/s per core, slowly enough
     * that the hardware prefetchers do not run far ahead, and its loads from memory wait: on a Zen 5, one core, an
     * 8192×2048 matrix, Q4_0's eight-vector kernel (since replaced) ran 111–122 G multiply-adds/s with its weights in L3 and 72–80 from
     * memory (82–86 pulled). With fewer vectors pulling first was mostly slower: at 4 up to 13% (Q8_0, two threads),
     * at 2 up to 20%, at 6 between −2% and +12% by type. (Q4_0's two-group kernel pulls from 4: see {@link #dotQ8Rows}.)
     */
    static final int PULL_FROM = 8;
    /**
     * Weight bytes pulled at a time: as many whole groups as fit (at least one). Bursts of two ~9 KB groups instead of
     * one (Q4_0, Q4_K at 2048 columns) ran 8 vectors 4–8% faster on two threads; groups of ~17 KB (Q8_0, Q6_K) go one
     * at a time, and pulling four of those (68 KB) gained nothing.
     */
    static final int PULL_BYTES = 24 << 10;
    /** Keeps {@link #pullIntoCache}'s loads from being optimised away. */
    private static int pulled;

    /**
     * One byte of each 64-byte line of {@code quants[from, from + length)}: a loop with nothing else to do keeps many
     * cache misses in flight at once, so the kernel that follows finds the lines in L1/L2. (Reading ahead inside the
     * kernel instead was slower — likely because a load that misses holds up every later instruction's retirement.)
     */
    static int pullIntoCache(byte[] quants, int from, int length) {
        int x = 0;
        for (int i = from, end = Math.min(quants.length, from + length); i < end; i += 64) x ^= quants[i];
        return x;
    }

    /** Units per row in the row-group layout: blocks, or block pairs in the 512-bit layouts. */
    final int groupUnits() {
        return WIDE ? groupBlocks() / 2 : groupBlocks();
    }

    /** Units per slab ({@link #SLAB_COLUMNS}); the last slab of a row may be narrower. */
    final int slabUnits() {
        return Math.max(1, SLAB_COLUMNS / (type().blockSize() * (WIDE ? 2 : 1)));
    }

    /** Where unit {@code m} of group {@code g} lies in the layout (in units): slab by slab, group by group within one. */
    final int unitIndex(int g, int m) {
        int slab = slabUnits(), start = m - m % slab, width = Math.min(slab, groupUnits() - start);
        return start * (rows / GROUP) + g * width + (m - start);
    }

    /** The row-group layout once built ({@link #rowGroups}). */
    volatile RowGroups groups;
    /** Set when the layout could not be built (heap too small): products stay on the row kernels. */
    private volatile boolean noGroups;

    /**
     * Integer products for rows {@code [from, to)}, bounds multiples of {@link #GROUP} (or {@code rows}): through the
     * row-group kernel when the layout exists, else row by row through {@link #dotQ8}. {@code widest}: at most this
     * many vectors per kernel call — 8 ({@link #groupDot8}), 4 ({@link #groupDot4}) or 1 — as the type's
     * {@link KernelRace} picked.
     */
    final void dotQ8Rows(int from, int to, Q8Activations[] xs, int n, int widest, float[][] outs) {
        RowGroups gs = groups;
        if (gs == null) {
            for (int r = from; r < to; r++) dotQ8(r, xs, n, outs);
            return;
        }
        float[] lanes = WIDE ? LANES.get() : null;
        int eights = widest >= 8 ? n / 8 * 8 : 0, fours = widest >= 4 ? n / 4 * 4 : 0;
        for (int i = 0; i < n; i++) Arrays.fill(outs[i], from, to, 0f); // the kernels add each slab's share
        int units = groupUnits(), slab = slabUnits(), unitBytes = groupQuantBytes() * (WIDE ? 2 : 1), seen = 0;
        for (int m0 = 0; m0 < units; m0 += slab) {
            int m1 = Math.min(units, m0 + slab);
            // eight or four vectors per pass while the group's weights stay in the L1 cache, then the rest one at a time
            int slabBytes = (m1 - m0) * unitBytes, pullGroups = Math.max(1, PULL_BYTES / slabBytes);
            if (n == 1 && twoGroupKernel()) {
                // one group from each half of the share per call: two weight streams in one loop
                int g0 = from / GROUP, g1 = to / GROUP, half = (g1 - g0) / 2;
                for (int j = 0; j < half; j++) {
                    groupDotTwo(gs, g0 + j, g0 + half + j, m0, m1, xs[0], lanes);
                    addLanePairs(lanes, 0, outs[0], (g0 + j) * GROUP);
                    addLanePairs(lanes, 16, outs[0], (g0 + half + j) * GROUP);
                }
                if ((g1 - g0) % 2 != 0) groupDot(gs, g1 - 1, m0, m1, xs[0], outs[0], lanes);
                continue;
            }
            // the four-vector passes take two neighbouring groups at once where the type has that kernel; its two
            // weight streams are pulled first from 4 vectors on (without, 4 sequences ran 75–86 against 112–116 t/s)
            boolean pairs = fours > 0 && fourVectorPairKernel();
            if (pairs) pullGroups = Math.max(2, pullGroups / 2 * 2);
            for (int g = from / GROUP, g1 = to / GROUP; g < g1; g += pairs && g + 1 < g1 ? 2 : 1) {
                if ((pairs || n >= PULL_FROM) && (g - from / GROUP) % pullGroups == 0) { // a group's slab, and the next ones', lie side by side
                    seen ^= pullIntoCache(gs.quants(), unitIndex(g, m0) * unitBytes, Math.min(pullGroups, g1 - g) * slabBytes);
                }
                if (pairs && g + 1 < g1) {
                    for (int i = 0; i < fours; i += 4) groupDot4Pair(gs, g, m0, m1, xs, i, outs, lanes);
                    for (int i = fours; i < n; i++) {
                        groupDot(gs, g, m0, m1, xs[i], outs[i], lanes);
                        groupDot(gs, g + 1, m0, m1, xs[i], outs[i], lanes);
                    }
                    continue;
                }
                int i = 0;
                for (; i < eights; i += 8) groupDot8(gs, g, m0, m1, xs, i, outs, lanes);
                for (; i < fours; i += 4) groupDot4(gs, g, m0, m1, xs, i, outs, lanes);
                for (; i < n; i++) groupDot(gs, g, m0, m1, xs[i], outs[i], lanes);
            }
        }
        if (seen == 1) pulled++; // rarely true; the loads must have a use
    }

    /**
     * Rows {@code GROUP·g ..} times {@code x}, over units {@code [m0, m1)} of one slab ({@link #unitIndex}), added to
     * {@code out} at the same rows: the type's row-group kernel.
     */
    void groupDot(RowGroups gs, int g, int m0, int m1, Q8Activations x, float[] out, float[] lanes) {
        throw new UnsupportedOperationException(type() + " has no row-group layout");
    }

    /**
     * Whether the type has {@link #groupDotTwo}. One vector's product is bound by reading the weights, and a loop over
     * two streams keeps more reads in flight than one (see the kernels for the figures).
     */
    boolean twoGroupKernel() {
        return false;
    }

    /**
     * {@link #groupDot} for groups {@code g} and {@code h} in one loop (512-bit kernels only), leaving g's 16 lanes in
     * {@code lanes[0..16)} and h's in {@code [16..32)} for {@link #addLanePairs}.
     */
    void groupDotTwo(RowGroups gs, int g, int h, int m0, int m1, Q8Activations x, float[] lanes) {
        throw new UnsupportedOperationException(type() + " has no two-group kernel");
    }

    /**
     * Whether the type has {@link #groupDot4Pair}. A batch's product is bound by the multiplies and the activation
     * broadcasts feeding them; a kernel over two groups uses each broadcast for both, so it runs half as many.
     */
    boolean fourVectorPairKernel() {
        return false;
    }

    /**
     * {@link #groupDot4} for groups {@code g} and {@code g + 1} at once (512-bit kernels only): per group and vector the
     * same arithmetic in the same order, so the results are {@link #groupDot4}'s.
     */
    void groupDot4Pair(RowGroups gs, int g, int m0, int m1, Q8Activations[] xs, int i, float[][] outs, float[] lanes) {
        throw new UnsupportedOperationException(type() + " has no two-group four-vector kernel");
    }

    /** Scratch for the 512-bit kernels' last step ({@link #addLanePairs}): 16 lanes for each of up to eight vectors. */
    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[16 * 8]);

    /**
     * {@code out[at + r] += lanes[from + 2r] + lanes[from + 2r + 1]}: a 512-bit kernel's even and odd blocks of each
     * row, added to the row's result. Through memory: written as lane shuffles in a helper that C2 did not inline, they
     * ran unintrinsified.
     */
    static void addLanePairs(float[] lanes, int from, float[] out, int at) {
        for (int r = 0; r < GROUP; r++) out[at + r] += lanes[from + 2 * r] + lanes[from + 2 * r + 1];
    }

    /** {@link #addLanePairs} for a four-vector kernel's 64 lanes from {@code lanes[from]}, one vector's 16 after another's. */
    static void addLanePairs(float[] lanes, int from, float[] out0, float[] out1, float[] out2, float[] out3, int at) {
        addLanePairs(lanes, from, out0, at);
        addLanePairs(lanes, from + 16, out1, at);
        addLanePairs(lanes, from + 32, out2, at);
        addLanePairs(lanes, from + 48, out3, at);
    }

    /**
     * Batches of fewer vectors than this run through {@link #groupDot4} rather than the float tile (0: never): set per
     * type where its four-vector row-group kernel was measured faster than the tile (per product over a 1B model's
     * matrices, 2 cores). Q4_0 on 256-bit vectors: 1.6× the tile at 4 vectors, 1.25× at 8, even at 16 and 32, 0.9× at
     * 64. On 512-bit vectors ({@link #WIDE}): Q4_0 1.38× at 8, 1.35× at 16, 1.31× at 32, 1.15× at 64, 1.12× at 128;
     * Q4_K 1.48× at 4, 1.43× at 8, 1.2× at 32, 1.13× at 64, 1.06× at 128; Q6_K (values stored centred, four products
     * per rounding shift; on the Zen 5, one core, 2048×2048 matrices from L3) 1.27× at 16, 1.05× at 32, 0.96× at 64
     * (before, with two per shift, on the Zen 4: 1.27× at 4, 1.07× at 8, even at 16, 0.88× at 32); Q8_0 on the Zen 5
     * with its eight-vector kernel (same harness) 1.33× at 16, 1.1× at 32, even at 64 — a pass over the 1B Q8_0's
     * matrices from memory, 2 threads, 16 vectors 211–217 → 162–171 ms, 24 vectors 280–288 → 263–271 — where on the
     * Zen 4, four at a time, it was 1.45× at 4, 1.1–1.2× at 7–8, even at 12, 0.9× at 16 (the vectors past a multiple of
     * four or eight run the narrower kernels while the group's weights are still in the L1 cache). The 256-bit Q4_K and
     * Q6_K four-vector kernels were no faster than the tile at 8 vectors, but on AVX2 (the Zen 5 under
     * {@code -XX:UseAVX=2}, whose tile spills: 1B, 2 threads, 8 sequences) the one-vector row-group kernels run
     * Q8_0 1.8× and Q4_K_M 2.3× the tile's rate (27.5 → 49.3 and 23.3 → 54.3 t/s), so Q8_0, Q4_K and Q6_K keep
     * their row groups below 32 vectors there too.
     */
    int groupedBatchLimit() {
        return 0;
    }

    /**
     * The most vectors this type's row-group kernels take per call: 8 ({@link #groupDot8}), 4 (a four-vector kernel
     * of its own in {@link #groupDot4}) or 1. Products of at least that many vectors run it, or the next narrower
     * kernel (4, or 1) on the same vectors, whichever ran faster in this JVM ({@link KernelRace}; both give
     * bit-identical results).
     */
    int batchWidth() {
        return 1;
    }

    /**
     * How a type's batched products run in this JVM ({@link KernelRace}): {@code kernels} the two raced, its widest
     * batch kernel first ({@code eights}: eight vectors per call, {@code fours}: four, {@code ones}: one at a time);
     * {@code choice} one of them or {@code undecided}; {@code timeRatio} the median time of the first over the second
     * (NaN before any sample).
     */
    public record BatchKernelChoice(String type, List<String> kernels, String choice, double timeRatio, int samples) {}

    /** The {@link BatchKernelChoice} of every type that has raced its batch kernels in this JVM, by type name. */
    public static List<BatchKernelChoice> batchKernelChoices() {
        return KernelRace.outcomes();
    }

    /** This matrix's side of its type's race between its widest batch kernel and the next narrower one. */
    private KernelRace.Entry batchRace;

    final KernelRace.Entry batchRace() {
        KernelRace.Entry e = batchRace;
        if (e == null) batchRace = e = new KernelRace.Entry(KernelRace.of(getClass(), batchWidth()));
        return e;
    }

    /** {@link #groupDot4} for {@code xs[i..i+7]}, from their {@link Q8Activations.Batch}; see {@link #batchWidth}. */
    void groupDot8(RowGroups gs, int g, int m0, int m1, Q8Activations[] xs, int i, float[][] outs, float[] lanes) {
        throw new UnsupportedOperationException(type() + " has no eight-vector kernel");
    }

    /**
     * The paired activation form this type's eight- and four-vector kernels read interleaved, as a
     * {@link Q8Activations.Batch} per pass; null (the default, and on 256-bit machines) when they read each vector's
     * own arrays.
     */
    Function<Q8Activations, Q8Activations.Paired> batchForm() {
        return null;
    }

    /** The {@link Q8Activations.Batch} of {@code xs[i .. i + count)} in this type's {@link #batchForm}. */
    final Q8Activations.Batch batch(Q8Activations[] xs, int i, int count) {
        return Q8Activations.batch(xs, i, count, batchForm());
    }

    /**
     * {@link #groupDot} for {@code xs[i..i+3]} into {@code outs[i..i+3]}: each unpacked weight serves four vectors,
     * with exactly the single-vector kernel's arithmetic per vector (results do not depend on the batch).
     */
    void groupDot4(RowGroups gs, int g, int m0, int m1, Q8Activations[] xs, int i, float[][] outs, float[] lanes) {
        for (int v = i; v < i + 4; v++) groupDot(gs, g, m0, m1, xs[v], outs[v], lanes);
    }

    /**
     * Once per integer product, before its kernels: quantises {@code xs[0..n)} into {@code xq}, builds the row groups
     * (on the matrix's first product) and what their kernels read — each vector's form, then the interleaved
     * {@link Q8Activations.Batch}es {@link #dotQ8Rows} will pass, split as it splits the vectors (eights, fours, then
     * single vectors). From 32 vectors on (prompt chunks), each batch's vectors are one job shared out between the
     * threads: done on the caller's thread, while the others waited, it had made the 1B Q4_0's products of 128 vectors
     * 3–5% slower (K and V 10%, Q 4.5%, FFN-down 5%, gate and up unchanged; a harness timing each matrix, 2 threads).
     */
    final void prepareQ8(Q8Activations[] xq, float[][] xs, int n, int widest, Parallel parallel) {
        boolean grouped = rowGroups(parallel) != null, batches = grouped && batchForm() != null;
        int eights = batches && widest >= 8 ? n / 8 : 0, fours = batches && widest >= 4 ? (n - 8 * eights) / 4 : 0;
        int jobs = n - 7 * eights - 3 * fours;
        // below 32 vectors (single-sequence generation, most decode batches) no lambda and no hand-off per product
        if (n >= 32) parallel.forJobs(jobs, (from, to) -> prepareJobs(xq, xs, from, to, eights, fours, grouped));
        else prepareJobs(xq, xs, 0, jobs, eights, fours, grouped);
    }

    /** {@link #prepareQ8}'s jobs {@code from..to}: the {@code eights} batches of 8, then {@code fours} of 4, then single vectors. */
    private void prepareJobs(Q8Activations[] xq, float[][] xs, int from, int to, int eights, int fours, boolean grouped) {
        for (int j = from; j < to; j++) {
            int start = j < eights ? 8 * j : j < eights + fours ? 8 * eights + 4 * (j - eights) : j + 7 * eights + 3 * fours;
            int count = j < eights ? 8 : j < eights + fours ? 4 : 1;
            for (int v = start; v < start + count; v++) {
                xq[v].quantize(xs[v]);
                if (grouped) prepareGroupActivations(xq[v]);
            }
            if (count > 1) batch(xq, start, count);
        }
    }

    /** The activation forms the row-group kernel reads, built before the threads share them: the packed pairs. */
    void prepareGroupActivations(Q8Activations x) {
        x.pairs();
    }

    /** Quant bytes per group of {@link #GROUP} rows and one block in the row-group layout; 0 when the type has none. */
    int groupQuantBytes() {
        return 0;
    }

    /** Blocks per row in the row-group layout: the 512-bit kernels take blocks in pairs and pad an odd count. */
    final int groupBlocks() {
        int blocks = cols / type().blockSize();
        return WIDE ? blocks + (blocks & 1) : blocks;
    }

    /** Scale floats per group and block in the row-group layout. */
    int groupScales() {
        return GROUP;
    }

    /** The bytes of the {@link #GROUP} rows of group {@code g}, copied in one go (packing reads them byte by byte). */
    final byte[] groupRows(int g) {
        long rowBytes = type().bytesFor(cols);
        byte[] out = new byte[Math.toIntExact(GROUP * rowBytes)];
        MemorySegment.copy(data, I8, g * GROUP * rowBytes, out, 0, out.length);
        return out;
    }

    static float f16(byte[] a, int at) {
        return Float.float16ToFloat((short) ((a[at] & 0xff) | (a[at + 1] << 8)));
    }

    /**
     * One row's block for a 512-bit layout: the layout's bytes {@code quants}, where its block pair starts
     * ({@code base}), its 32-bit lane (2r for the pair's first block, 2r+1 for the second) and where the block starts
     * in {@code src}, the group's rows as {@link #groupRows} copies them.
     */
    @FunctionalInterface
    interface WideBlock {
        void pack(byte[] quants, int base, int lane, byte[] src, int at);
    }

    /**
     * Every row and block of group {@code g} for a 512-bit layout of {@code unitBytes} per block pair; the block that
     * pads an odd count is skipped (its bytes stay zero, so its products are zero).
     */
    final void forEachWideBlock(RowGroups out, int g, int unitBytes, WideBlock body) {
        int blocks = cols / type().blockSize(), pairs = groupBlocks() / 2, blockBytes = (int) type().blockBytes();
        byte[] src = groupRows(g);
        for (int m = 0; m < pairs; m++) {
            int base = unitIndex(g, m) * unitBytes;
            for (int half = 0; half < 2 && 2 * m + half < blocks; half++) {
                for (int r = 0; r < GROUP; r++) body.pack(out.quants(), base, 2 * r + half, src, (r * blocks + 2 * m + half) * blockBytes);
            }
        }
    }

    /**
     * A 32-bit-block type's wide unit ({@link #forEachWideBlock}) for one row and block: the block's quant bytes two at a
     * time into {@code slices} slices of 32 bytes (this lane's two bytes in each), then its half-float scale into the
     * scale row after them. Q8_0 (16 slices of bytes) and Q4_0 (8 slices of nibble pairs) share it.
     */
    static void packBlockWide(byte[] quants, int base, int lane, byte[] src, int at, int slices) {
        quants[base + 32 * slices + 2 * lane] = src[at];
        quants[base + 32 * slices + 2 * lane + 1] = src[at + 1];
        for (int p = 0; p < slices; p++) {
            quants[base + 32 * p + 2 * lane] = src[at + 2 + 2 * p];
            quants[base + 32 * p + 2 * lane + 1] = src[at + 3 + 2 * p];
        }
    }

    /** 2^112: moves a half float's exponent, shifted into a float's place, to a float's bias (half → float in vectors). */
    static final float HALF_REBIAS = 0x1p112f;

    /**
     * Half floats sign-extended to ints and shifted left by 13 keep their sign in bit 31 and exponent and mantissa in
     * bits 13–27 under this mask: times {@link #HALF_REBIAS} the float's value, normal or subnormal, with one
     * reinterpretation and three vector operations (as {@link HalfFloatTensor} widens its weights).
     */
    static final int HALF_BITS = 0x8fffe000;

    /** Writes group {@code g} of the row-group layout. */
    void packGroup(RowGroups out, int g) {
        throw new UnsupportedOperationException(type() + " has no row-group layout");
    }

    /**
     * The row-group copy of this matrix, built on first use with the product's threads (llama.cpp's CPU backend
     * repacks its 4-bit types for the same reason); null when the type has none, the integer kernels are off, the
     * row count is not a multiple of {@link #GROUP}, or the heap cannot hold it — then the row kernels serve.
     */
    final RowGroups rowGroups(Parallel parallel) {
        RowGroups g = groups;
        if (g != null || noGroups || !ROW_GROUPS || !INT_OK || rows % GROUP != 0 || groupQuantBytes() == 0) return g;
        synchronized (this) {
            if (groups != null || noGroups) return groups;
            long units = (long) (rows / GROUP) * groupBlocks();
            long quantBytes = units * groupQuantBytes(), scaleCount = units * groupScales();
            if (quantBytes > Integer.MAX_VALUE - 64 || scaleCount > Integer.MAX_VALUE - 64) {
                noGroups = true; // more than one array holds: the row kernels
                return null;
            }
            RowGroups out;
            try {
                out = new RowGroups(new byte[(int) quantBytes], new float[(int) scaleCount]);
            } catch (OutOfMemoryError e) {
                noGroups = true;
                System.getLogger(Tensor.class.getName()).log(System.Logger.Level.WARNING, "not enough Java heap to regroup " + name
                        + " (" + quantBytes / (1 << 20) + " MiB) for faster decoding; give the JVM more (-Xmx) or set"
                        + " -Dmuse.engine.rowGroups=false to silence this");
                return null;
            }
            parallel.forRange(rows / GROUP, (from, to) -> {
                for (int k = from; k < to; k++) packGroup(out, k);
            });
            groups = out;
            return out;
        }
    }

    /** This thread's quantised activation vectors, one set per length, refilled by each product (see below). */
    private static final ThreadLocal<Q8Activations[][]> ACTIVATIONS = ThreadLocal.withInitial(() -> new Q8Activations[0][]);

    /**
     * This thread's reused vectors of this matrix's width (at least {@code n} of them) for {@link #prepareQ8} to fill:
     * valid until the thread's next product, which is all a product needs — its helpers finish before it returns.
     */
    final Q8Activations[] activationSet(int n) {
        Q8Activations[][] sets = ACTIVATIONS.get();
        int s = 0;
        while (s < sets.length && sets[s][0].q.length != cols) s++;
        if (s == sets.length) {
            sets = Arrays.copyOf(sets, s + 1);
            sets[s] = new Q8Activations[] {new Q8Activations(cols)};
            ACTIVATIONS.set(sets);
        }
        Q8Activations[] set = sets[s];
        if (set.length < n) {
            int had = set.length;
            set = Arrays.copyOf(set, n);
            for (int i = had; i < n; i++) set[i] = new Q8Activations(cols);
            sets[s] = set;
        }
        return set;
    }

    /**
     * Rows per chunk at the least when an integer product of fewer than {@link #PULL_FROM} vectors is split across
     * threads. Such a product streams its weights from memory, and with the 16-row chunks of {@link Parallel} the
     * last claims of a 2048-row matrix were 16–48 rows: a few KB per slab, each a short read the prefetchers barely
     * start on (a matrix of several slabs reads one run per slab and chunk). A full pass over the 1B matrices on 2
     * threads (a harness timing `matmul`, alternating JVMs), one vector: Q4_0 18.3–19.3 → 17.6–17.8 ms, Q8_0
     * 38.5–40.2 → 37.3–38.8, Q4_K_M within the VM's noise (21.5–27.7 either way), 64 rows gained less, 128–512 the
     * same; two vectors Q4_0 36.2–37.6 → 33.2–34.0, four Q4_0 47.5–49.5 → 44.4–45.1 and Q4_K_M 66.2–66.7 →
     * 63.5–63.7.
     */
    static final int DECODE_CHUNK = 256;

    /** The least rows per chunk for an integer product of {@code n} vectors; from PULL_FROM each group is pulled first. */
    private static int chunkRows(int n) {
        return n < PULL_FROM ? DECODE_CHUNK : Parallel.MIN_CHUNK;
    }

    /** {@code out[r] = row r · x} for every row, rows split across threads. */
    public final void matmul(float[] x, float[] out, Parallel parallel) {
        if (INT_OK && integerDot() && integerFor(1)) {
            Q8Activations[] xq = activationSet(1);
            float[][] outs = {out};
            prepareQ8(xq, new float[][] {x}, 1, 1, parallel);
            parallel.forRange(rows, chunkRows(1), (from, to) -> dotQ8Rows(from, to, xq, 1, 1, outs));
            return;
        }
        floatRows(x, out, parallel);
    }

    /** {@link #matmul} through the float {@link #dot}; a type may read its rows its own way. */
    void floatRows(float[] x, float[] out, Parallel parallel) {
        parallel.forRange(rows, (from, to) -> {
            for (int r = from; r < to; r++) out[r] = dot(r, x, 0);
        });
    }

    /** A type's own kernel for {@code n} float vectors (n &gt; 1); false leaves them to the shared ones below. */
    boolean floatBatch(int n, float[][] xs, float[][] outs, Parallel parallel) {
        return false;
    }

    /** A body run for up to four rows at once ({@link #forRowSets}); slots past the set's size repeat its last row. */
    interface RowSet {
        void run(int a, int b, int c, int d);
    }

    /**
     * Rows split across threads as {@link Parallel#forRange} splits them, each thread's share taken {@code k} (2 to 4)
     * rows at a time, one from each k-th part of it (the last share-mod-k rows together, the last repeated): a kernel
     * reading them in one loop loads each activation once for k rows while every weight stream stays sequential (see
     * {@link HalfFloatTensor#floatRows}). A body may get one row in several slots and writes its result as often.
     */
    final void forRowSets(Parallel parallel, int k, RowSet body) {
        parallel.forRange(rows, (from, to) -> {
            int part = (to - from) / k, rest = from + k * part;
            // the rest (fewer than k rows) as one more set through the same call
            for (int i = 0, sets = rest < to ? part + 1 : part; i < sets; i++) {
                int a = i < part ? from + i : rest, step = i < part ? part : 1;
                body.run(a, Math.min(a + step, to - 1), Math.min(a + Math.min(2, k - 1) * step, to - 1),
                        Math.min(a + Math.min(3, k - 1) * step, to - 1));
            }
        });
    }

    /**
     * Prompt chunks through {@link IntPanels} (tokens in the lanes), for the types that have them and matrices that
     * {@link #allowPromptPanels allow} them; false leaves the product to the other kernels.
     */
    boolean panelMatmul(int n, float[][] xs, float[][] outs, Parallel parallel) {
        return false;
    }

    /** Set by {@link #allowPromptPanels}. */
    boolean promptPanels;

    /**
     * Lets this matrix's prompt chunks take {@link IntPanels} where its type has them. The transformer allows it for
     * the FFN matrices only: the attention products keep the row-group kernels in prompts, so those kernels, which
     * decoding batches need, are compiled from the first prompt on (engine README, "integer panels").
     */
    public final void allowPromptPanels() {
        promptPanels = true;
    }

    /** The same for {@code n} input vectors at once: each weight row is read once and used for all of them. */
    public final void matmul(int n, float[][] xs, float[][] outs, Parallel parallel) {
        if (n == 1) {
            matmul(xs[0], outs[0], parallel);
            return;
        }
        if (INT_OK && integerDot()) {
            if (n >= IntPanels.FROM && panelMatmul(n, xs, outs, parallel)) return;
            if (integerFor(n) || n < groupedBatchLimit() && rowGroups(parallel) != null) {
                Q8Activations[] xq = activationSet(n);
                int top = batchWidth();
                boolean raced = top > 1 && n >= top && rowGroups(parallel) != null;
                int widest = raced && !batchRace().pickFirst() ? KernelRace.narrower(top) : top;
                prepareQ8(xq, xs, n, widest, parallel);
                long start = System.nanoTime();
                parallel.forRange(rows, chunkRows(n), (from, to) -> dotQ8Rows(from, to, xq, n, widest, outs));
                if (raced) batchRace().record(widest == top, System.nanoTime() - start, (double) rows * cols * n);
                return;
            }
            // the float kernels get the same 8-bit activations, so a sequence's logits do not depend on how many
            // sequences share the step (up to summation order), and prompts see llama.cpp's activation rounding
            float[][] rounded = scratchRows(ROUNDED, n, cols);
            for (int i = 0; i < n; i++) Q8Activations.roundTrip(xs[i], cols, rounded[i]);
            xs = rounded;
        }
        floatMatmul(n, xs, outs, parallel);
    }

    private void floatMatmul(int n, float[][] xs, float[][] outs, Parallel parallel) {
        if (floatBatch(n, xs, outs, parallel)) return;
        if (n < BATCH_DEQUANTISE || type() == GgmlType.F32) {
            parallel.forRange(rows, (from, to) -> {
                for (int r = from; r < to; r++) {
                    for (int i = 0; i < n; i++) outs[i][r] = dot(r, xs[i], 0);
                }
            });
            return;
        }
        if (n >= GEMM_FROM && Gemm.fits(cols)) {
            gemm(n, xs, outs, parallel);
            return;
        }
        // several vectors: dequantise each row once, then F32 dots, instead of unpacking it once per vector
        parallel.forRange(rows, (from, to) -> {
            float[] row = scratchRows(UNPACKED, 1, cols)[0];
            for (int r = from; r < to; r++) {
                unpackRow(r, row);
                for (int i = 0; i < n; i++) outs[i][r] = dotF32(row, xs[i], cols);
            }
        });
    }

    /**
     * Prompt chunks and large batches: each thread unpacks {@link #unpackedRows} of its rows to floats at a time and
     * runs every vector past them.
     * <ul>
     * <li>Whole panels of {@link Gemm#PANEL} (64) vectors, and a last one of 48 or more padded with zeros, go through
     * {@link Gemm#panel4} (AVX-512 or AVX2): the activations are transposed into panels once per product, and for each
     * panel and each {@link Gemm#PANEL_COLS} columns of it (16 KB, held in L1) every four
     * unpacked rows run past it. Weights are broadcast, so the accumulators hold whole outputs (no lane sums), and a
     * call streams 1 KB of weights where the tile below streamed 16 KB of activations from L2: F16 and Q8_0 prompts
     * 1.2–1.35× as fast on AVX-512.</li>
     * <li>Vectors left over take the register-blocked {@link Gemm} tile, one
     * {@link Gemm#BLOCK} of columns after another, four rows at a time within a block (their block stays in L1).</li>
     * </ul>
     */
    private void gemm(int n, float[][] xs, float[][] outs, Parallel parallel) {
        int panelled = !Gemm.PANELS ? 0 : n % Gemm.PANEL >= Gemm.PANEL_FROM ? n : n - n % Gemm.PANEL;
        int count = (panelled + Gemm.PANEL - 1) / Gemm.PANEL;
        float[][] panels = count == 0 ? null
                : Gemm.panels(xs, panelled, cols, scratchRows(PANELS, count, cols * Gemm.PANEL), parallel);
        int tile = Gemm.FOUR_BY_FOUR ? 4 : 3; // vectors per pass of the tile
        int whole = n - (n - panelled) % tile;
        // fewer vectors left than a tile: the last one repeated fills it, its extra results land in spare
        float[][] px = new float[tile][], po = new float[tile][];
        float[] spare = whole < n ? new float[rows] : null; // threads write disjoint rows
        for (int v = 0; v < tile; v++) {
            px[v] = xs[Math.min(whole + v, n - 1)];
            po[v] = whole + v < n ? outs[whole + v] : spare;
        }
        int unpacked = unpackedRows(count > 0 ? 64 : 16);
        parallel.forRange(rows, (from, to) -> {
            float[][] w = scratchRows(UNPACKED, unpacked, cols);
            float[] sums = count == 0 ? null : scratchRows(SUMS, 1, unpacked * Gemm.PANEL)[0];
            int r = from;
            while (r + 4 <= to) {
                int rowsNow = Math.min(unpacked, (to - r) / 4 * 4);
                for (int q = 0; q < rowsNow; q++) unpackRow(r + q, w[q]);
                for (int p = 0; p < count; p++) {
                    for (int k = 0; k < cols; k += Gemm.PANEL_COLS) {
                        for (int q = 0; q < rowsNow; q += 4) {
                            Gemm.panel4(w[q], w[q + 1], w[q + 2], w[q + 3], panels[p], k, cols - k, sums,
                                    q * Gemm.PANEL, k == 0);
                        }
                    }
                    for (int t = p * Gemm.PANEL; t < Math.min(panelled, (p + 1) * Gemm.PANEL); t++) {
                        float[] out = outs[t];
                        for (int q = 0, at = t % Gemm.PANEL; q < rowsNow; q++, at += Gemm.PANEL) out[r + q] = sums[at];
                    }
                }
                if (panelled < n) {
                    for (int k = 0; k < cols; k += Gemm.BLOCK) {
                        int end = Math.min(cols, k + Gemm.BLOCK);
                        for (int q = 0; q < rowsNow; q += 4) {
                            for (int i = panelled; i < whole; i += tile) block(w, q, xs, i, k, end, outs, r + q);
                            if (whole < n) block(w, q, px, 0, k, end, po, r + q);
                        }
                    }
                }
                r += rowsNow;
            }
            for (; r < to; r++) {
                unpackRow(r, w[0]);
                for (int i = 0; i < n; i++) outs[i][r] = dotF32(w[0], xs[i], cols);
            }
        });
    }

    /**
     * Per-thread buffers the batched products reuse: the dequantised activations (caller's thread) and the unpacked
     * weight rows (each worker). Fresh arrays per product were gigabytes of garbage per prompt, written to memory no
     * cache held, and with a large row-group copy on the heap G1's extra collections cost a third of prompt speed.
     */
    private static final ThreadLocal<float[][]> ROUNDED = new ThreadLocal<>(), UNPACKED = new ThreadLocal<>();
    /** The activation panels (caller's thread) and each worker's panel sums for its unpacked rows. */
    private static final ThreadLocal<float[][]> PANELS = new ThreadLocal<>(), SUMS = new ThreadLocal<>();

    /** {@code count} rows of at least {@code length} floats from this thread's {@code buffers}, grown when short. */
    static float[][] scratchRows(ThreadLocal<float[][]> buffers, int count, int length) {
        float[][] b = buffers.get();
        if (b == null || b.length < count || b[0].length < length) {
            b = new float[Math.max(count, b == null ? 0 : b.length)][Math.max(length, b == null ? 0 : b[0].length)];
            buffers.set(b);
        }
        return b;
    }

    /** The tile for unpacked rows {@code w[q..q+3]} (matrix rows {@code r..r+3}) and vectors from {@code i}. */
    private static void block(float[][] w, int q, float[][] xs, int i, int from, int to, float[][] outs, int r) {
        if (Gemm.FOUR_BY_FOUR) Gemm.block4x4(w[q], w[q + 1], w[q + 2], w[q + 3], xs, i, from, to, outs, r);
        else Gemm.block4x3(w[q], w[q + 1], w[q + 2], w[q + 3], xs, i, from, to, outs, r);
    }

    /**
     * Rows the float GEMM unpacks at a time: fours, up to {@code most}, as many as take ~512 KB of floats, so they
     * stay in L2 beside the activations. The tile takes at most 16 (with one column block of every vector); panels,
     * whose activations sit in L1, 64: F16 prompts ~5% faster than with 16.
     */
    private int unpackedRows(int most) {
        return Math.max(4, Math.min(most, (128 << 10) / cols) / 4 * 4);
    }

    /** Row {@code row} as floats, exactly {@link #dequantizeRow}'s values; types override it with vector code. */
    void unpackRow(int row, float[] out) {
        dequantizeRow(row, out, 0);
    }

    /** From this many vectors on, a batched product dequantises each row once (prefill chunks). */
    static final int BATCH_DEQUANTISE = 4;
    /**
     * From this many vectors on (prompt chunks, and decode steps of several sequences), the register-blocked float
     * kernel: unpacking a row once and running a tile of vectors per pass beats the integer kernels (measured per
     * core: with AVX-512's 4×4 tile 1.1–2.5× from 4 vectors on; with AVX2's 4×3 tile from 8). Types with a
     * {@link #groupedBatchLimit} keep their row groups below it.
     */
    static final int GEMM_FROM = Gemm.FOUR_BY_FOUR ? 4 : 8;

    /**
     * The lanes of {@code v} added in lane order. {@code reduceLanes(ADD)} adds floats in another order in C2's code
     * than in the interpreter's and C1's (37 of 64 random 8-lane vectors summed differently once a loop over them was
     * compiled), so a row kernel's result could change by an ulp when its method was compiled between two products:
     * RowGroupKernelTest's "same as alone" for Q5_K's row kernels (256-bit machines) failed that way in a CI run.
     * Kernels whose results are compared exactly across calls use this.
     */
    static float sumLanes(FloatVector v) {
        float s = v.lane(0);
        for (int i = 1; i < v.length(); i++) s += v.lane(i);
        return s;
    }

    static float dotF32(float[] a, float[] b, int n) {
        // four independent accumulators: one chain of FMAs waits on each result, four keep the unit busy
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        int l = F.length();
        int i = 0;
        for (int upper4 = n - 4 * l + 1; i < upper4; i += 4 * l) {
            acc0 = FloatVector.fromArray(F, a, i).fma(FloatVector.fromArray(F, b, i), acc0);
            acc1 = FloatVector.fromArray(F, a, i + l).fma(FloatVector.fromArray(F, b, i + l), acc1);
            acc2 = FloatVector.fromArray(F, a, i + 2 * l).fma(FloatVector.fromArray(F, b, i + 2 * l), acc2);
            acc3 = FloatVector.fromArray(F, a, i + 3 * l).fma(FloatVector.fromArray(F, b, i + 3 * l), acc3);
        }
        for (int upper = F.loopBound(n); i < upper; i += l) {
            acc0 = FloatVector.fromArray(F, a, i).fma(FloatVector.fromArray(F, b, i), acc0);
        }
        float sum = acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
        for (; i < n; i++) sum += a[i] * b[i];
        return sum;
    }

    static float f16(MemorySegment s, long at) {
        return Float.float16ToFloat(s.get(I16_LE, at));
    }

    @Override
    public String toString() {
        return name + " " + type() + " " + Arrays.toString(shape);
    }
}
