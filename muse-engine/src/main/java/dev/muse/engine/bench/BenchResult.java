package dev.muse.engine.bench;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one benchmark run measured (medians of the repetitions).
 *
 * @param model the file name without extension
 * @param weightType the type of most weight bytes (e.g. Q8_0)
 * @param weightBytesPerToken bytes of weights one decode step reads (every matrix once, plus one embedding row)
 * @param streamReadBytesPerS a plain parallel streaming read of the mapped file, same threads, same run (best of one
 *     before the warm-up and one after generation): the ceiling
 * @param bandwidthFraction weightBytesPerToken × genTokensPerS ÷ streamReadBytesPerS
 * @param kvBytesPerSequence KV cache bytes one sequence of promptTokens + genTokens positions holds
 * @param batchKernels per tensor type, which of two bit-identical batch kernels its products took in this run, as
 *     timed in the same JVM (only types with a batch kernel of their own that ran a batch of its width: empty for a
 *     model without them or a run without several sequences)
 * @param depth positions in the context before {@code genAtDepthTokensPerS}'s generation (0: not measured)
 * @param genAtDepthTokensPerS one sequence's generation after {@code depth} positions (NaN when depth is 0)
 * @param warmUpSeconds the untimed prompts and single-sequence decoding before the timed runs, which go on until the
 *     JIT has compiled nothing for a moment (at most 20 s per phase): how long this JVM kept compiling before the
 *     timing began (requests in that time run partly on slower code)
 * @param vectorBits bits per vector the engine's kernels ran on ({@link dev.muse.engine.tensor.Tensor#vectorBits})
 */
public record BenchResult(
        String model,
        String weightType,
        int threads,
        int promptTokens,
        int genTokens,
        double promptTokensPerS,
        double genTokensPerS,
        Map<Integer, Parallel> parallel,
        long fileBytes,
        long weightBytesPerToken,
        double streamReadBytesPerS,
        double bandwidthFraction,
        long kvBytesPerSequence,
        Map<String, BatchKernel> batchKernels,
        double warmUpSeconds,
        int depth,
        double genAtDepthTokensPerS,
        int vectorBits) {

    /** Generation with {@code n} sequences decoded together. */
    public record Parallel(double aggregateTokensPerS, double perSequenceTokensPerS) {}

    /**
     * @param kernels the two raced: the type's widest batch kernel first ({@code eights}, {@code fours}), then the next
     *     narrower one on the same vectors ({@code fours}, {@code ones})
     * @param choice one of {@code kernels}, or {@code undecided}
     * @param timeRatio median time of the first kernel over the second (NaN: no sample)
     * @param samples paired timings taken
     */
    public record BatchKernel(List<String> kernels, String choice, double timeRatio, int samples) {}

    public BenchResult {
        parallel = java.util.Collections.unmodifiableMap(new TreeMap<>(parallel));
        batchKernels = java.util.Collections.unmodifiableMap(new TreeMap<>(batchKernels));
    }

    /**
     * One JSON object: {@code prompt_tokens_per_s, gen_tokens_per_s, parallel {"N": {aggregate_tokens_per_s,
     * per_sequence_tokens_per_s}}, threads, model}, then the bandwidth and size figures.
     */
    public String toJson() {
        StringBuilder b = new StringBuilder("{");
        b.append("\"prompt_tokens_per_s\":").append(num(promptTokensPerS));
        b.append(",\"gen_tokens_per_s\":").append(num(genTokensPerS));
        b.append(",\"parallel\":{");
        boolean first = true;
        for (var e : parallel.entrySet()) {
            if (!first) b.append(',');
            first = false;
            b.append('"').append(e.getKey()).append("\":{\"aggregate_tokens_per_s\":").append(num(e.getValue().aggregateTokensPerS()))
                    .append(",\"per_sequence_tokens_per_s\":").append(num(e.getValue().perSequenceTokensPerS())).append('}');
        }
        b.append('}');
        b.append(",\"threads\":").append(threads);
        b.append(",\"vector_bits\":").append(vectorBits);
        b.append(",\"model\":").append(string(model));
        b.append(",\"weight_type\":").append(string(weightType));
        b.append(",\"prompt_tokens\":").append(promptTokens);
        b.append(",\"gen_tokens\":").append(genTokens);
        b.append(",\"file_bytes\":").append(fileBytes);
        b.append(",\"weight_bytes_per_token\":").append(weightBytesPerToken);
        b.append(",\"stream_read_gb_per_s\":").append(num(streamReadBytesPerS / 1e9));
        b.append(",\"gen_read_gb_per_s\":").append(num(weightBytesPerToken * genTokensPerS / 1e9));
        b.append(",\"bandwidth_fraction\":").append(num(bandwidthFraction));
        b.append(",\"kv_bytes_per_sequence\":").append(kvBytesPerSequence);
        b.append(",\"depth\":").append(depth);
        b.append(",\"gen_at_depth_tokens_per_s\":").append(num(genAtDepthTokensPerS));
        b.append(",\"warm_up_s\":").append(num(warmUpSeconds));
        b.append(",\"batch_kernels\":{");
        first = true;
        for (var e : batchKernels.entrySet()) {
            if (!first) b.append(',');
            first = false;
            b.append(string(e.getKey())).append(":{\"kernels\":[");
            for (int k = 0; k < e.getValue().kernels().size(); k++) b.append(k > 0 ? "," : "").append(string(e.getValue().kernels().get(k)));
            b.append("],\"choice\":").append(string(e.getValue().choice()))
                    .append(",\"time_ratio\":").append(num(e.getValue().timeRatio()))
                    .append(",\"samples\":").append(e.getValue().samples()).append('}');
        }
        b.append('}');
        return b.append('}').toString();
    }

    private static String num(double v) {
        if (!Double.isFinite(v)) return "null";
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private static String string(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }
}
