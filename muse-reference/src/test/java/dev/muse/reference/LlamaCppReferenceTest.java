package dev.muse.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import de.kherud.llama.LlamaModel;
import de.kherud.llama.ModelParameters;
import de.kherud.llama.TokenPrompt;
import dev.muse.engine.EngineOptions;
import dev.muse.engine.LocalModel;
import dev.muse.engine.LocalModels;
import dev.muse.engine.model.Architecture;
import dev.muse.engine.model.KvCache;
import dev.muse.engine.model.Llama2cToGguf;
import dev.muse.engine.model.Transformer;
import dev.muse.engine.tensor.Parallel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Muse against an older llama.cpp (build 4916, bundled by java-llama.cpp 4.2.0 from Maven Central) on our own
 * random-weight GGUF files: llama and qwen2 × every tensor type (qwen3 postdates this build;
 * {@link NodeLlamaCppReferenceTest} covers every pair against a current llama.cpp with logit values). A 64-token
 * prompt, then {@value #STEPS} greedy steps with teacher forcing: llama.cpp picks its greedy token for the reference
 * prefix, and Muse's logits for the same prefix must put that token first, or within {@link #NEAR_TIE} of its top
 * logit (llama.cpp rounds activations to 8 bits for quantised products). This build aborts the JVM when asked for
 * token probabilities ({@code n_probs}), so the choices are compared, not the numbers.
 */
class LlamaCppReferenceTest {
    static final int STEPS = 32;
    /** Logit gap that counts as a near tie: the logits here have RMS ≈ 1, and llama.cpp's activation rounding moves them by up to ~0.1. */
    static final float NEAR_TIE = 0.2f;
    static final double MIN_AGREEMENT = 0.80;

    @TempDir
    static Path tmp;

    static final Map<String, String> REPORT = new ConcurrentSkipListMap<>();

    /** llama and qwen2 × every type (qwen3 postdates this llama.cpp build). */
    static List<ReferenceCase> cases() {
        return ReferenceCase.all().stream().filter(c -> c.arch() != Architecture.QWEN3).toList();
    }

    @BeforeAll
    static void quiet() {
        LlamaModel.setLogger(null, (level, msg) -> {});
    }

    @AfterAll
    static void report() throws java.io.IOException {
        if (REPORT.isEmpty()) return;
        StringBuilder s = new StringBuilder("java-llama.cpp 4.2.0 (llama.cpp b4916) greedy agreement with teacher forcing:\n");
        REPORT.values().forEach(s::append);
        Path out = Path.of("target", "java-llama-cpp-reference.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, s);
        System.out.println(s);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void greedy_choices_should_match_llama_cpp(ReferenceCase c) throws Exception {
        Path file = c.model();
        int prompt = ReferenceCase.PROMPT;
        int[] seq = Arrays.copyOf(ReferenceCase.prompt(), prompt + STEPS);
        try (LocalModel muse = LocalModels.load(file, null, new EngineOptions(1, seq.length));
                LlamaModel ref = new LlamaModel(new ModelParameters().setModel(file.toString()).setThreads(1).setCtxSize(256).setGpuLayers(0))) {
            Map<String, Integer> byText = pieces(muse);
            Transformer t = muse.model().transformer(Parallel.serial());
            KvCache cache = new KvCache(muse.config(), 1, seq.length);
            float[] logits = new float[muse.config().vocabSize()];
            int[] positions = new int[prompt];
            for (int i = 0; i < prompt; i++) positions[i] = i;
            float[][] rows = new float[prompt][];
            rows[prompt - 1] = logits;
            t.forward(prompt, Arrays.copyOf(seq, prompt), positions, new int[prompt], cache, rows);
            int agree = 0, nearTie = 0, unverifiable = 0;
            float maxGap = 0f;
            for (int step = 0; step < STEPS; step++) {
                int len = prompt + step;
                String text = ref.complete(TokenPrompt.of(Arrays.copyOf(seq, len)).setNPredict(1).setTemperature(0f).setTopK(1)
                        .setCachePrompt(false)); // a fresh evaluation per step: this build's prompt cache is not deterministic across requests
                int ours = LogitComparison.argmax(logits);
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
                        assertThat(gap).as("%s step %d: llama.cpp chose %d, Muse %d", c, step, theirs, ours).isLessThan(NEAR_TIE);
                        nearTie++;
                        maxGap = Math.max(maxGap, gap);
                    }
                }
                seq[len] = next;
                t.forward(1, new int[] {next}, new int[] {len}, new int[] {0}, cache, new float[][] {logits});
            }
            int verified = STEPS - unverifiable;
            double rate = verified == 0 ? 1 : agree / (double) verified;
            REPORT.put(String.format("%s %02d", c.arch(), c.type().ordinal()), String.format(
                    "%-6s %-5s agreement %5.1f%% (%d/%d), near ties %d (largest gap %.3f), unverifiable %d%n",
                    c.arch().ggufName(), c.type(), 100 * rate, agree, verified, nearTie, maxGap, unverifiable));
            assertThat(verified).as("steps whose llama.cpp text names one token").isGreaterThan(STEPS / 2);
            assertThat(rate).as("%s agreement", c).isGreaterThanOrEqualTo(MIN_AGREEMENT);
        }
    }

    /**
     * A trained model: stories260K converted to GGUF by {@link Llama2cToGguf}. llama.cpp's greedy text on it must be
     * run.c's reference text, which Muse reproduces token for token (muse-engine's Stories260k tests).
     */
    @Test
    void llama_cpp_on_the_converted_stories260k_should_print_the_run_c_reference() throws Exception {
        String shared = System.getProperty("muse.shared.dir");
        assumeTrue(shared != null, "muse.shared.dir is not set");
        Path dir = Path.of(shared, "data", "stories260K");
        assumeTrue(Files.isRegularFile(dir.resolve("stories260K.bin")), () -> "no stories260K model in " + dir);
        Path gguf = tmp.resolve("stories260K.gguf");
        Llama2cToGguf.convert(dir.resolve("stories260K.bin"), dir.resolve("tok512.bin"), gguf);
        String reference = Files.readString(dir.resolve("reference-greedy.txt")).stripTrailing();
        try (LlamaModel ref = new LlamaModel(new ModelParameters().setModel(gguf.toString()).setThreads(1).setCtxSize(512).setGpuLayers(0))) {
            String text = ref.complete(TokenPrompt.of(new int[] {1, 403, 407, 261, 378}).setNPredict(36).setTemperature(0f).setTopK(1));
            assertThat("Once upon a time" + text).isEqualTo(reference);
        }
    }

    /** The text llama.cpp prints for each token id, where that text names one token. */
    @SuppressWarnings("unchecked")
    static Map<String, Integer> pieces(LocalModel m) {
        List<String> tokens = (List<String>) m.model().metadata().get("tokenizer.ggml.tokens");
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
