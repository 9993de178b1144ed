package dev.muse.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.muse.engine.GenerateOptions;
import dev.muse.engine.Generation;
import dev.muse.engine.Generator;
import dev.muse.engine.StopReason;
import dev.muse.engine.tensor.Parallel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The real 260K-parameter TinyStories model: greedy generation must reproduce, token for token, what Karpathy's
 * reference run.c printed (ids recorded in shared/data/stories260K/reference-greedy-tokens.txt).
 */
class Stories260kGoldenTest {

    record Run(int[] prompt, int[] generated) {}

    static Path dataDir() {
        String shared = System.getProperty("muse.shared.dir");
        assumeTrue(shared != null, "muse.shared.dir is not set; skipping the stories260K golden test");
        Path dir = Path.of(shared, "data", "stories260K");
        assumeTrue(Files.isRegularFile(dir.resolve("stories260K.bin")), "no stories260K.bin under " + dir + "; skipping");
        return dir;
    }

    static List<Run> referenceRuns(Path dir) throws IOException {
        List<String> lines = Files.readAllLines(dir.resolve("reference-greedy-tokens.txt"));
        int[] prompt = null;
        List<Run> runs = new java.util.ArrayList<>();
        for (String line : lines) {
            if (line.startsWith("prompt_ids")) prompt = ids(line);
            if (line.startsWith("generated_ids")) runs.add(new Run(prompt, ids(line)));
        }
        return runs;
    }

    static int[] ids(String line) {
        return Arrays.stream(line.substring(line.indexOf(':') + 1).trim().split("\\s+")).mapToInt(Integer::parseInt).toArray();
    }

    @Test
    void greedy_generation_should_reproduce_the_reference_tokens_of_run_c() throws IOException {
        Path dir = dataDir();
        List<Run> runs = referenceRuns(dir);
        assertThat(runs).hasSize(2);
        try (Model model = Llama2cCheckpoint.load(dir.resolve("stories260K.bin"))) {
            assertThat(model.config().dim()).isEqualTo(64);
            assertThat(model.config().kvHeads()).isEqualTo(4);
            for (Run run : runs) {
                Generator g = new Generator(model, model.transformer(Parallel.serial()), model.config().contextLength(), t -> t == 1);
                Generation gen = g.generate(run.prompt(), GenerateOptions.greedy(run.generated().length), null);
                assertThat(gen.tokens()).as("greedy continuation of %s", Arrays.toString(run.prompt()))
                        .containsExactly(run.generated());
                assertThat(gen.stopReason()).isEqualTo(StopReason.MAX_TOKENS);
            }
        }
    }

    @Test
    void batched_prefill_and_two_threads_should_give_the_same_tokens_as_serial_decoding() throws IOException {
        Path dir = dataDir();
        Run run = referenceRuns(dir).getFirst();
        try (Model model = Llama2cCheckpoint.load(dir.resolve("stories260K.bin")); Parallel two = new Parallel(2)) {
            Generator g = new Generator(model, model.transformer(two), 128, t -> t == 1);
            List<Generation> three = g.generate(run.prompt(), 3, GenerateOptions.greedy(run.generated().length), null);
            for (Generation gen : three) assertThat(gen.tokens()).containsExactly(run.generated());
        }
    }
}
