package dev.muse.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.muse.engine.CompletionResult;
import dev.muse.engine.EngineOptions;
import dev.muse.engine.GenerateOptions;
import dev.muse.engine.LocalModel;
import dev.muse.engine.LocalModels;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trained stories260K weights and vocabulary written as GGUF by our converter and writer, then run through
 * the GGUF path (reader, loader, tokenizer from metadata): the reference run.c output must come out unchanged.
 */
class Stories260kGgufTest {
    @TempDir
    Path tmp;

    @Test
    void the_converted_gguf_should_reproduce_run_c_greedy_text_and_ids() throws Exception {
        Path dir = Stories260kGoldenTest.dataDir();
        Path gguf = tmp.resolve("stories260K.gguf");
        Llama2cToGguf.convert(dir.resolve("stories260K.bin"), dir.resolve("tok512.bin"), gguf);
        var runs = Stories260kGoldenTest.referenceRuns(dir);
        try (LocalModel m = LocalModels.load(gguf, null, new EngineOptions(1, 0))) {
            assertThat(m.config().vocabSize()).isEqualTo(512);
            CompletionResult r = m.complete("Once upon a time", GenerateOptions.greedy(36), null);
            assertThat(r.generation().promptTokens()).containsExactly(runs.get(0).prompt());
            assertThat(r.tokens()).containsExactly(runs.get(0).generated());
            String reference = Files.readString(dir.resolve("reference-greedy.txt")).stripTrailing();
            assertThat("Once upon a time" + r.text()).isEqualTo(reference);
            var fromBos = m.generate(runs.get(1).prompt(), GenerateOptions.greedy(runs.get(1).generated().length), null);
            assertThat(fromBos.tokens()).containsExactly(runs.get(1).generated());
        }
    }
}
