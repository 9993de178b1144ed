package dev.muse.engine.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.muse.engine.model.Architecture;
import dev.muse.engine.model.RandomModelWriter;
import dev.muse.engine.tensor.GgmlType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark's figures are about speed, so only their presence, consistency and JSON shape are asserted. */
class EngineBenchTest {
    @TempDir Path dir;

    @Test
    void bench_files_of_unknown_or_unwritable_types_should_be_refused_without_a_partial_file() throws Exception {
        assertThatThrownBy(() -> BenchModels.make(dir, "llama1b-xyz")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown type 'xyz'").hasMessageContaining("q4_k_m");
        assertThatThrownBy(() -> BenchModels.make(dir, "llama1b-q3_k")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Q3_K");
        try (var files = Files.list(dir)) {
            assertThat(files.toList()).as("nothing left in the directory").isEmpty();
        }
    }

    @Test
    void should_report_every_figure_the_bench_command_prints_as_json() throws Exception {
        Path file = dir.resolve("tiny-q8.gguf");
        RandomModelWriter.write(file, Architecture.LLAMA, RandomModelWriter.Shape.tiny(), GgmlType.Q8_0, 3);
        List<String> progress = new ArrayList<>();
        BenchResult r = EngineBench.run(file, new BenchOptions(2, 40, 4, List.of(1, 2, 4), 1, 60), progress::add);

        assertThat(r.model()).isEqualTo("tiny-q8");
        assertThat(r.weightType()).isEqualTo("Q8_0");
        assertThat(r.parallel()).containsOnlyKeys(1, 2, 4);
        assertThat(r.promptTokensPerS()).isPositive();
        assertThat(r.genTokensPerS()).isPositive();
        assertThat(r.parallel().get(4).perSequenceTokensPerS() * 4).isCloseTo(r.parallel().get(4).aggregateTokensPerS(),
                org.assertj.core.data.Offset.offset(1e-6));
        // tiny shape: 2 layers of 256x256 q/o, 256x128 k/v, 3 FFN 256x512, a 320x256 output, one embedding row; Q8_0 = 34/32 bytes
        long elements = 2L * (2 * 256 * 256 + 2 * 128 * 256 + 3 * 256 * 512) + 320 * 256 + 256;
        assertThat(r.weightBytesPerToken()).isEqualTo(elements * 34 / 32);
        assertThat(r.fileBytes()).isEqualTo(Files.size(file));
        assertThat(r.streamReadBytesPerS()).isPositive();
        assertThat(r.bandwidthFraction()).isEqualTo(r.weightBytesPerToken() * r.genTokensPerS() / r.streamReadBytesPerS());
        assertThat(r.kvBytesPerSequence()).isEqualTo(2L * Short.BYTES * 2 * 128 * 44); // keys and values as half floats
        assertThat(progress).anyMatch(s -> s.contains("4 sequences"));
        assertThat(r.depth()).isEqualTo(60);
        assertThat(r.genAtDepthTokensPerS()).as("generation after 60 positions of context").isPositive();
        assertThat(progress).anyMatch(s -> s.contains("at depth 60"));

        JsonNode json = new ObjectMapper().readTree(r.toJson());
        assertThat(json.get("prompt_tokens_per_s").asDouble()).isPositive();
        assertThat(json.get("gen_tokens_per_s").asDouble()).isPositive();
        assertThat(json.get("threads").asInt()).isEqualTo(2);
        assertThat(json.get("model").asText()).isEqualTo("tiny-q8");
        assertThat(json.get("parallel").fieldNames()).toIterable().containsExactly("1", "2", "4");
        assertThat(json.get("parallel").get("2").get("aggregate_tokens_per_s").asDouble()).isPositive();
        assertThat(json.get("parallel").get("2").get("per_sequence_tokens_per_s").asDouble()).isPositive();
        assertThat(json.get("bandwidth_fraction").asDouble()).isPositive();
        assertThat(json.get("warm_up_s").asDouble()).as("the untimed warm-up is reported").isPositive();
        assertThat(json.get("depth").asInt()).isEqualTo(60);
        assertThat(json.get("gen_at_depth_tokens_per_s").asDouble()).isPositive();
    }

    @Test
    void should_say_which_option_to_lower_when_the_run_exceeds_the_context() throws Exception {
        Path file = dir.resolve("tiny.gguf");
        RandomModelWriter.write(file, Architecture.LLAMA, RandomModelWriter.Shape.tiny(), GgmlType.F32, 3);
        assertThatThrownBy(() -> EngineBench.run(file, new BenchOptions(1, 250, 10, List.of(1), 1, 0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("exceed the model's context of 256");
        assertThatThrownBy(() -> EngineBench.run(file, new BenchOptions(1, 20, 10, List.of(1), 1, 250)))
                .hasMessageContaining("depth (250) + generated tokens (10) exceed the model's context of 256");
        assertThatThrownBy(() -> new BenchOptions(1, 1, 1, List.of(1), 1, -1)).hasMessageContaining("--depth");
        assertThatThrownBy(() -> new BenchOptions(0, 1, 1, List.of(1), 1, 0)).hasMessageContaining("--threads");
        assertThatThrownBy(() -> EngineBench.run(dir.resolve("missing.gguf"), BenchOptions.defaults())).hasMessageContaining("not found");
    }

    @Test
    void json_should_escape_the_model_name() throws Exception {
        BenchResult r = new BenchResult("a\"b", "Q4_0", 1, 1, 1, 1, 2, Map.of(8, new BenchResult.Parallel(16, 2)), 1, 1, 1, 0.5, 1,
                Map.of("Q4_0", new BenchResult.BatchKernel(List.of("eights", "fours"), "eights", 0.9, 24),
                        "Q4_K", new BenchResult.BatchKernel(List.of("fours", "ones"), "undecided", Double.NaN, 0)), 2.5, 0, Double.NaN, 256);
        JsonNode json = new ObjectMapper().readTree(r.toJson());
        assertThat(json.get("model").asText()).isEqualTo("a\"b");
        assertThat(json.get("parallel").get("8").get("aggregate_tokens_per_s").asDouble()).isEqualTo(16.0);
        assertThat(json.get("batch_kernels").get("Q4_0").get("choice").asText()).isEqualTo("eights");
        assertThat(json.get("batch_kernels").get("Q4_0").get("time_ratio").asDouble()).isEqualTo(0.9);
        assertThat(json.get("batch_kernels").get("Q4_K").get("kernels").get(1).asText()).isEqualTo("ones");
        assertThat(json.get("batch_kernels").get("Q4_K").get("time_ratio").isNull()).as("no sample yet").isTrue();
        assertThat(json.get("gen_at_depth_tokens_per_s").isNull()).as("no depth asked for").isTrue();
        assertThat(json.get("vector_bits").asInt()).isEqualTo(256);
    }
}
