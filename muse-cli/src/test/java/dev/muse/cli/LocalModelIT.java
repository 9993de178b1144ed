package dev.muse.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.muse.engine.model.Architecture;
import dev.muse.engine.model.RandomModelWriter;
import dev.muse.engine.tensor.GgmlType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded engine from the command line: a real trained model and a random-weight GGUF. */
class LocalModelIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static Path stories() {
        String shared = System.getProperty("muse.shared.dir");
        Path p = shared == null ? null : Path.of(shared, "data", "stories260K");
        assumeTrue(p != null && Files.isRegularFile(p.resolve("stories260K.bin")),
                "shared/data/stories260K is absent: the golden generation test needs the real tiny model");
        return p;
    }

    @Test
    void should_generate_the_reference_text_of_run_c() throws Exception {
        Path s = stories();
        var r = MuseProcess.run(dir, Map.of(), "generate", "--model", s.resolve("stories260K.bin").toString(),
                "--tokenizer", s.resolve("tok512.bin").toString(), "--prompt", "Once upon a time", "--max-tokens", "36", "--json");

        assertThat(r.exitCode()).as(r.stderr()).isZero();
        JsonNode j = JSON.readTree(r.stdout());
        String reference = Files.readString(s.resolve("reference-greedy.txt")).strip();
        assertThat("Once upon a time" + j.get("text").asText()).isEqualTo(reference);
        assertThat(j.get("tokens")).hasSize(36);
        assertThat(j.at("/timings/tokens_per_s").asDouble()).isPositive();
    }

    @Test
    void should_answer_in_every_mode_from_a_gguf_file_without_any_server() throws Exception {
        Path gguf = dir.resolve("tiny-qwen2.gguf");
        // Contemplating's refinement prompt carries the first answer, so the context must hold more than the tiny default
        RandomModelWriter.write(gguf, Architecture.QWEN2, new RandomModelWriter.Shape(64, 128, 2, 4, 2, 320, 2048), GgmlType.Q8_0, 7);
        for (String mode : new String[] {"instant", "thinking", "contemplating", "auto"}) {
            var r = MuseProcess.run(dir, Map.of(), "ask", "--model", gguf.toString(), "--mode", mode, "--agents", "2",
                    "--max-tokens", "8", "--json", "Say hi");
            assertThat(r.exitCode()).as(mode + ": " + r.stderr()).isZero();
            JsonNode j = JSON.readTree(r.stdout());
            assertThat(j.at("/usage/output_tokens").asLong()).as(mode).isPositive();
            assertThat(j.at("/usage/input_tokens").asLong()).as(mode).isPositive();
        }
    }

    @Test
    void should_benchmark_a_model_and_report_every_parallel_count() throws Exception {
        Path gguf = dir.resolve("bench.gguf");
        RandomModelWriter.write(gguf, Architecture.LLAMA, RandomModelWriter.Shape.tiny(), GgmlType.Q4_0, 3);
        var r = MuseProcess.run(dir, Map.of(), "bench", "--model", gguf.toString(), "--threads", "1", "--prompt-tokens", "16",
                "--gen-tokens", "4", "--parallel", "1,8", "--repetitions", "1", "--depth", "40", "--json");

        assertThat(r.exitCode()).as(r.stderr()).isZero();
        JsonNode j = JSON.readTree(r.stdout());
        assertThat(j.get("prompt_tokens_per_s").asDouble()).isPositive();
        assertThat(j.get("gen_tokens_per_s").asDouble()).isPositive();
        assertThat(j.get("threads").asInt()).isEqualTo(1);
        assertThat(j.get("vector_bits").asInt()).as("the kernels' vector width").isIn(128, 256, 512);
        assertThat(j.get("model").asText()).isNotBlank();
        assertThat(j.get("depth").asInt()).isEqualTo(40);
        assertThat(j.get("gen_at_depth_tokens_per_s").asDouble()).as("generation after 40 positions").isPositive();
        for (String n : new String[] {"1", "8"}) {
            assertThat(j.at("/parallel/" + n + "/aggregate_tokens_per_s").asDouble()).as(n).isPositive();
            assertThat(j.at("/parallel/" + n + "/per_sequence_tokens_per_s").asDouble()).as(n).isPositive();
        }
        // 8 sequences race a type's widest batch kernel against the next narrower one; too short a run to decide is fine
        assertThat(j.get("batch_kernels").isObject()).as(r.stdout()).isTrue();
        j.get("batch_kernels").forEach(k -> {
            assertThat(k.get("kernels").size()).as(r.stdout()).isEqualTo(2);
            assertThat(k.get("choice").asText()).isIn(k.get("kernels").get(0).asText(), k.get("kernels").get(1).asText(), "undecided");
        });
    }

    @Test
    void bench_restricted_to_avx2_should_run_the_256_bit_kernels() throws Exception {
        // bench/vs-llamacpp.sh --isa avx2 compares on AVX2 alone this way; the JSON says which width the kernels took
        assumeTrue("amd64".equals(System.getProperty("os.arch")), "-XX:UseAVX is an x86-64 option");
        Path gguf = dir.resolve("avx2.gguf");
        RandomModelWriter.write(gguf, Architecture.LLAMA, RandomModelWriter.Shape.tiny(), GgmlType.Q4_0, 5);
        String[] args = {"bench", "--model", gguf.toString(), "--threads", "1", "--prompt-tokens", "8", "--gen-tokens", "2",
                "--parallel", "1", "--repetitions", "1", "--json"};
        var native_ = MuseProcess.run(dir, Map.of(), args);
        assertThat(native_.exitCode()).as(native_.stderr()).isZero();
        assumeTrue(JSON.readTree(native_.stdout()).get("vector_bits").asInt() >= 256, "this CPU has no AVX2");

        var avx2 = MuseProcess.runWithJvmOptions(dir, Map.of(), null, List.of("-XX:UseAVX=2"), args);
        assertThat(avx2.exitCode()).as(avx2.stderr()).isZero();
        JsonNode j = JSON.readTree(avx2.stdout());
        assertThat(j.get("vector_bits").asInt()).isEqualTo(256);
        assertThat(j.get("gen_tokens_per_s").asDouble()).isPositive();
    }

    @Test
    void should_explain_a_file_that_is_not_a_model() throws Exception {
        Path junk = Files.writeString(dir.resolve("junk.gguf"), "definitely not a model");
        var r = MuseProcess.run(dir, Map.of(), "ask", "--model", junk.toString(), "hi");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.stderr()).contains("cannot load").doesNotContain("\tat ");
    }
}
