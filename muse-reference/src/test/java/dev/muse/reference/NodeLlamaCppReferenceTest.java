package dev.muse.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.muse.engine.model.Architecture;
import dev.muse.engine.tensor.GgmlType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Muse against a current llama.cpp (node-llama-cpp 3.22.1's prebuilt CPU binary) on our own random-weight GGUF files,
 * llama, qwen2 and qwen3 × every tensor type: a 64-token prompt, then {@value #STEPS} greedy steps where llama.cpp's
 * token always continues (teacher forcing). Logits are compared as numbers at every one of the 96 positions over the
 * whole vocabulary, and greedy choices are counted. See the module README for the tolerances and measured values.
 */
class NodeLlamaCppReferenceTest {
    static final int STEPS = 32;
    /**
     * Greedy agreement with teacher forcing: a flip needs a near tie (Muse's gap ≤ 2 × its max error), so with logits
     * this close it is rare; 80% keeps the check meaningful without failing on one unlucky near tie among 32 steps.
     */
    static final double MIN_AGREEMENT = 0.80;

    @TempDir
    static Path tmp;

    static Map<String, NodeLlamaCpp.Run> runs;
    static double referenceSeconds;
    static String skipped;
    static final Path REPORT_FILE = Path.of("target", "node-llama-cpp-reference.md");
    static final Map<String, String> REPORT = new ConcurrentSkipListMap<>();

    /**
     * ε: the relative RMS rounding error llama.cpp puts on the activations entering one matrix product (Muse keeps
     * them in F32). ggml's CPU kernels convert the activation vector to the weights' {@code vec_dot_type} first:
     * F32 weights keep F32 (only the summation order differs); F16 weights round it to F16 (half an ulp of a 10-bit
     * mantissa, 2^-11, uniform: 2^-11/√3); BF16 to BF16 (7-bit mantissa: 2^-8/√3); Q4_0/Q4_1/Q5_0/Q5_1/Q8_0 to Q8_0
     * or Q8_1 blocks of 32, whose step is the block's max |x| / 127 (about 2.3 σ for 32 samples: 2.3/127/√12); the
     * K-quants to Q8_K blocks of 256 (max about 3.0 σ: 3.0/127/√12). The weights themselves are the same bytes on
     * both sides, so weight quantisation cancels out.
     */
    static double epsilon(GgmlType type) {
        return switch (type) {
            case F32 -> 1e-7;
            case F16 -> Math.scalb(1.0, -11) / Math.sqrt(3);
            case BF16 -> Math.scalb(1.0, -8) / Math.sqrt(3);
            case Q8_0, Q4_0, Q4_1, Q5_0, Q5_1 -> 2.3 / 127 / Math.sqrt(12);
            case Q4_K, Q5_K, Q6_K -> 3.0 / 127 / Math.sqrt(12);
            default -> throw new IllegalArgumentException("no reference tolerance for " + type);
        };
    }

    /**
     * RMS of (Muse − llama.cpp) over all logits, as a fraction of the logits' RMS: 4ε. About a dozen matrix
     * products feed each logit (q, k, v, o, gate, up, down per layer, then the output head); their rounding adds to
     * 1.3–2.4 ε measured, so 4ε leaves room without hiding a real error (other weights give ~1.4, see the last test).
     */
    static double rmsTolerance(GgmlType type) {
        return Math.max(1e-5, 4 * epsilon(type));
    }

    /** Largest single |Muse − llama.cpp| logit, as a fraction of the logits' RMS: 5 × the RMS tolerance (the largest of ~200k roughly normal errors is about 5 σ). */
    static double maxTolerance(GgmlType type) {
        return Math.max(1e-4, 5 * rmsTolerance(type));
    }

    static List<ReferenceCase> cases() {
        return ReferenceCase.all();
    }

    @BeforeAll
    static void runTheReference() throws Exception {
        Files.deleteIfExists(REPORT_FILE);
        NodeLlamaCpp node = NodeLlamaCpp.fromSystemProperty();
        Optional<String> why = node.unavailable();
        if (why.isPresent()) {
            // every test then skips with this message (an aborted @BeforeAll would hide it in surefire's summary)
            skipped = "node-llama-cpp reference skipped: " + why.get();
            System.getLogger(NodeLlamaCppReferenceTest.class.getName()).log(System.Logger.Level.WARNING, skipped);
            return;
        }
        assertThat(node.installedVersion()).as("node-llama-cpp version (package-lock.json pins it)").isEqualTo(NodeLlamaCpp.VERSION);
        Map<String, Path> models = new LinkedHashMap<>();
        for (ReferenceCase c : cases()) models.put(c.name(), c.model());
        long start = System.nanoTime();
        runs = node.run(models, ReferenceCase.SHAPE.vocabSize(), ReferenceCase.prompt(), STEPS, tmp, Duration.ofMinutes(3));
        referenceSeconds = (System.nanoTime() - start) / 1e9;
        for (NodeLlamaCpp.Run r : runs.values()) {
            assertThat(r.binary()).as("llama.cpp binary node-llama-cpp used (a local build would mean it compiled one)").isEqualTo("prebuilt");
        }
    }

    @AfterAll
    static void report() throws Exception {
        if (REPORT.isEmpty()) return;
        NodeLlamaCpp.Run any = runs.values().iterator().next();
        StringBuilder s = new StringBuilder(String.format("node-llama-cpp %s, llama.cpp %s (%s binary), %d models in %.1f s%n%n",
                NodeLlamaCpp.VERSION, any.llamaCppRelease(), any.binary(), runs.size(), referenceSeconds));
        s.append("| arch | type | logit RMS | RMS err / RMS (tol) | max err / RMS (tol) | max top-10 logprob err | greedy agreement | largest flip gap |\n"
                + "|---|---|---|---|---|---|---|---|\n");
        REPORT.values().forEach(s::append);
        Path out = REPORT_FILE;
        Files.createDirectories(out.getParent());
        Files.writeString(out, s);
        System.out.println("node-llama-cpp reference (" + out.toAbsolutePath() + "):\n" + s);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void logits_should_match_llama_cpp(ReferenceCase c) {
        assumeTrue(skipped == null, skipped);
        NodeLlamaCpp.Run ref = runs.get(c.name());
        int prompt = ReferenceCase.PROMPT;
        assertThat(Arrays.copyOf(ref.tokens(), prompt)).as("the prompt llama.cpp evaluated").isEqualTo(ReferenceCase.prompt());
        assertThat(ref.tokens()).hasSize(prompt + STEPS);
        float[][] muse = MuseLogits.of(c.model(), ref.tokens(), prompt);
        LogitComparison cmp = LogitComparison.of(muse, ref.logits(), prompt - 1, STEPS);
        REPORT.put(String.format("%s %02d", c.arch(), c.type().ordinal()), String.format(
                "| %s | %s | %.2f | %.1e (%.1e) | %.1e (%.1e) | %.4f | %.0f%% (%d/%d) | %.4f |%n", c.arch().ggufName(), c.type(),
                cmp.scale(), cmp.relRmsError(), rmsTolerance(c.type()), cmp.relMaxError(), maxTolerance(c.type()), cmp.maxLogprobError(),
                100 * cmp.agreement(), cmp.agree(), cmp.steps(), cmp.maxTieGap()));
        assertThat(cmp.relRmsError()).as("%s: RMS of Muse − llama.cpp logits / logit RMS", c).isLessThanOrEqualTo(rmsTolerance(c.type()));
        assertThat(cmp.relMaxError()).as("%s: max |Muse − llama.cpp| logit / logit RMS", c).isLessThanOrEqualTo(maxTolerance(c.type()));
        assertThat(cmp.agreement()).as("%s: greedy agreement with teacher forcing", c).isGreaterThanOrEqualTo(MIN_AGREEMENT);
    }

    /** The comparison must be able to fail: the same family and type with other random weights is far off. */
    @Test
    void should_tell_a_model_with_other_weights_apart() {
        assumeTrue(skipped == null, skipped);
        ReferenceCase c = new ReferenceCase(Architecture.LLAMA, GgmlType.Q8_0);
        NodeLlamaCpp.Run ref = runs.get(c.name());
        float[][] other = MuseLogits.of(c.model(tmp, ReferenceCase.SEED + 1), ref.tokens(), ReferenceCase.PROMPT);
        LogitComparison cmp = LogitComparison.of(other, ref.logits(), ReferenceCase.PROMPT - 1, STEPS);
        REPORT.put("~other", String.format("%nMuse on llama Q8_0 with other weights (seed %d) vs llama.cpp on seed %d: RMS err %.2f, max err %.2f of the logit RMS, greedy agreement %.0f%%%n",
                ReferenceCase.SEED + 1, ReferenceCase.SEED, cmp.relRmsError(), cmp.relMaxError(), 100 * cmp.agreement()));
        assertThat(cmp.relRmsError()).isGreaterThan(10 * rmsTolerance(c.type()));
        assertThat(cmp.relMaxError()).isGreaterThan(10 * maxTolerance(c.type()));
        assertThat(cmp.agreement()).isLessThan(MIN_AGREEMENT);
    }
}
