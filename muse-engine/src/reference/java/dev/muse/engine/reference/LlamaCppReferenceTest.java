package dev.muse.engine.reference;

import static org.assertj.core.api.Assertions.assertThat;

import de.kherud.llama.LlamaModel;
import de.kherud.llama.ModelParameters;
import de.kherud.llama.TokenPrompt;
import dev.muse.engine.model.Architecture;
import dev.muse.engine.model.GgufModelLoader;
import dev.muse.engine.model.KvCache;
import dev.muse.engine.model.Model;
import dev.muse.engine.model.RandomModelWriter;
import dev.muse.engine.model.Transformer;
import dev.muse.engine.sampling.Sampler;
import dev.muse.engine.tensor.GgmlType;
import dev.muse.engine.tensor.Parallel;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Muse against llama.cpp (java-llama.cpp 4.2.0's bundled build) on our own random-weight GGUF files, every
 * architecture and tensor type: a 64-token prompt, then 32 greedy steps with teacher forcing. At each step
 * llama.cpp picks its greedy next token for the reference prefix, and Muse's logits for the same prefix must put
 * that token first, or have it within {@link #NEAR_TIE} of Muse's top logit: llama.cpp quantises activations to 8 bits
 * for quantised matrix products (and to F16 for F16 weights), so where random weights give a near tie the two may
 * pick different tokens. The reference's token is always the one that continues the prefix. The agreement rate
 * (exact argmax matches) is printed per case and must stay at or above {@link #MIN_AGREEMENT}.
 *
 * <p>Run: {@code ./mvnw -q -pl muse-engine test -Pllamacpp-reference -Dtest=LlamaCppReferenceTest}
 *
 * <p>qwen3 is skipped: the bundled llama.cpp (build 4916) predates it. java-llama.cpp 4.2.0 aborts the JVM when asked for token probabilities ({@code n_probs}), so logits are
 * compared through the greedy choices rather than as numbers.
 */
class LlamaCppReferenceTest {
    static final int PROMPT = 64;
    static final int STEPS = 32;
    /** Logit gap (in units of the logits, which are about N(0, 1) for these models) that counts as a near tie. */
    static final float NEAR_TIE = 0.05f;
    static final double MIN_AGREEMENT = 0.80;

    @TempDir
    static Path tmp;

    static final StringBuilder REPORT = new StringBuilder();

    static List<Arguments> cases() {
        List<Arguments> out = new java.util.ArrayList<>();
        for (Architecture a : Architecture.values()) {
            for (GgmlType t : List.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1,
                    GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q4_K,
                    GgmlType.Q5_K, GgmlType.Q6_K)) {
                out.add(Arguments.of(a, t));
            }
        }
        return out;
    }

    @BeforeAll
    static void quiet() {
        LlamaModel.setLogger(null, (level, msg) -> {});
    }

    @AfterAll
    static void report() {
        System.getLogger("muse.reference").log(System.Logger.Level.INFO, "\n" + REPORT);
        System.out.println("llama.cpp reference agreement:\n" + REPORT);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void greedy_choices_should_match_llama_cpp(Architecture arch, GgmlType type) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(arch != Architecture.QWEN3,
                "java-llama.cpp 4.2.0 bundles llama.cpp build 4916, which predates qwen3 ('unknown model architecture'); "
                        + "qwen3 is checked only against the naive reference in ArchitectureTest");
        Path file = tmp.resolve(arch + "-" + type + ".gguf");
        RandomModelWriter.write(file, arch, new RandomModelWriter.Shape(256, 512, 2, 4, 2, 2048, 256), type, 42);
        try (Model muse = GgufModelLoader.load(file);
                LlamaModel ref = new LlamaModel(new ModelParameters().setModel(file.toString()).setThreads(2).setCtxSize(256).setGpuLayers(0))) {
            Map<String, Integer> byText = pieces(muse);
            SplittableRandom rnd = new SplittableRandom(7);
            int[] seq = new int[PROMPT + STEPS];
            seq[0] = 1;
            for (int i = 1; i < PROMPT; i++) seq[i] = 259 + rnd.nextInt(2048 - 259);
            Transformer t = muse.transformer(Parallel.serial());
            KvCache cache = new KvCache(muse.config(), 1, 256);
            float[] logits = new float[muse.config().vocabSize()];
            for (int i = 0; i < PROMPT; i++) {
                t.forward(1, new int[] {seq[i]}, new int[] {i}, new int[] {0}, cache, new float[][] {i == PROMPT - 1 ? logits : null});
            }
            int agree = 0, nearTie = 0, unverifiable = 0;
            float maxGap = 0f;
            for (int step = 0; step < STEPS; step++) {
                int len = PROMPT + step;
                String text = ref.complete(TokenPrompt.of(java.util.Arrays.copyOf(seq, len)).setNPredict(1).setTemperature(0f)
                        .setTopK(1).setCachePrompt(true));
                int ours = Sampler.argmax(logits);
                Integer theirs = byText.get(text);
                int next;
                if (theirs == null) {
                    unverifiable++; // a byte piece that is not whole UTF-8 on its own, or end of text
                    next = ours;
                } else {
                    next = theirs;
                    if (theirs == ours) {
                        agree++;
                    } else {
                        float gap = logits[ours] - logits[theirs];
                        assertThat(gap).as("%s %s step %d: llama.cpp chose %d, Muse %d", arch, type, step, theirs, ours)
                                .isLessThan(NEAR_TIE);
                        nearTie++;
                        maxGap = Math.max(maxGap, gap);
                    }
                }
                seq[len] = next;
                t.forward(1, new int[] {next}, new int[] {len}, new int[] {0}, cache, new float[][] {logits});
            }
            int verified = STEPS - unverifiable;
            double rate = verified == 0 ? 1 : agree / (double) verified;
            synchronized (REPORT) {
                REPORT.append(String.format("%-6s %-5s agreement %5.1f%% (%d/%d), near ties %d (largest gap %.3f), unverifiable %d%n",
                        arch.ggufName(), type, 100 * rate, agree, verified, nearTie, maxGap, unverifiable));
            }
            assertThat(verified).isGreaterThan(STEPS / 2);
            assertThat(rate).as("%s %s agreement", arch, type).isGreaterThanOrEqualTo(MIN_AGREEMENT);
        }
    }

    /**
     * A trained model: stories260K converted to GGUF by {@link dev.muse.engine.model.Llama2cToGguf}. llama.cpp's
     * greedy text on it must be run.c's reference text, which Muse reproduces token for token (Stories260k*Test).
     */
    @org.junit.jupiter.api.Test
    void llama_cpp_on_the_converted_stories260k_should_print_the_run_c_reference() throws Exception {
        String shared = System.getProperty("muse.shared.dir");
        org.junit.jupiter.api.Assumptions.assumeTrue(shared != null, "muse.shared.dir is not set");
        Path dir = Path.of(shared, "data", "stories260K");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isRegularFile(dir.resolve("stories260K.bin")), "no stories260K");
        Path gguf = tmp.resolve("stories260K.gguf");
        dev.muse.engine.model.Llama2cToGguf.convert(dir.resolve("stories260K.bin"), dir.resolve("tok512.bin"), gguf);
        String reference = java.nio.file.Files.readString(dir.resolve("reference-greedy.txt")).stripTrailing();
        try (LlamaModel ref = new LlamaModel(new ModelParameters().setModel(gguf.toString()).setThreads(2).setCtxSize(512).setGpuLayers(0))) {
            String text = ref.complete(TokenPrompt.of(new int[] {1, 403, 407, 261, 378}).setNPredict(36).setTemperature(0f).setTopK(1));
            assertThat("Once upon a time" + text).isEqualTo(reference);
        }
    }

    /** The text llama.cpp prints for each token id, where that text names one token. */
    static Map<String, Integer> pieces(Model m) {
        @SuppressWarnings("unchecked")
        List<String> tokens = (List<String>) m.metadata().get("tokenizer.ggml.tokens");
        Map<String, Integer> out = new HashMap<>();
        for (int id = 3; id < tokens.size(); id++) {
            String p = tokens.get(id);
            if (p.startsWith("<0x") && p.endsWith(">")) {
                int b = Integer.parseInt(p.substring(3, 5), 16);
                if (b < 0x80 && b >= 0x20) out.put(String.valueOf((char) b), id);
            } else {
                out.put(p.replace('\u2581', ' '), id);
            }
        }
        return out;
    }
}
