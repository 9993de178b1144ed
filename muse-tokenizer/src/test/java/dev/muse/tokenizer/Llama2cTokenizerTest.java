package dev.muse.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reference compatibility with karpathy/llama2.c's run.c on the real stories260K tokenizer. */
class Llama2cTokenizerTest {
    private static Path dir;

    @BeforeAll
    static void locate() {
        String shared = System.getProperty("muse.shared.dir");
        dir = shared == null ? null : Path.of(shared, "data", "stories260K");
    }

    private static Path data(String name) {
        assumeTrue(dir != null && Files.exists(dir.resolve(name)),
                "skipped: shared/data/stories260K not found (set -Dmuse.shared.dir to the shared folder)");
        return dir.resolve(name);
    }

    private static int[] idsAfter(String label) throws IOException {
        for (String line : Files.readAllLines(data("reference-greedy-tokens.txt"))) {
            if (line.startsWith(label)) {
                String rest = line.substring(line.indexOf(':') + 1).trim();
                return Arrays.stream(rest.split("\\s+")).mapToInt(Integer::parseInt).toArray();
            }
        }
        throw new AssertionError("no line " + label);
    }

    @Test
    void should_encode_the_reference_prompt_to_run_c_ids() {
        Tokenizer t = Tokenizers.llama2c(data("tok512.bin"), 512);
        assertThat(t.encode("Once upon a time")).containsExactly(403, 407, 261, 378);
        assertThat(t.bosId()).isEqualTo(1);
        assertThat(t.eosId()).isEqualTo(2);
        assertThat(t.addBosByDefault()).isTrue();
    }

    @Test
    void should_decode_the_reference_ids_to_the_reference_text() throws IOException {
        Tokenizer t = Tokenizers.llama2c(data("tok512.bin"), 512);
        String lines = Files.readString(data("reference-greedy-tokens.txt"));
        // first run: prompt ids then 36 generated ids; run.c prints them and a final newline
        String[] blocks = lines.split("command:");
        int[] prompt = idsAfter("prompt_ids (BOS=1 first):");
        int[] generated = firstIdsLine(blocks[1], "generated_ids");
        String expected = Files.readString(data("reference-greedy.txt"), StandardCharsets.UTF_8);
        assertThat(t.decode(concat(prompt, generated)) + "\n").isEqualTo(expected);

        int[] generated256 = firstIdsLine(blocks[2], "generated_ids");
        String expected256 = Files.readString(data("reference-greedy-bos-n256.txt"), StandardCharsets.UTF_8);
        assertThat(t.decode(concat(new int[] {1}, generated256)) + "\n").isEqualTo(expected256);
        // the streaming decoder gives the same text, piece by piece
        StreamingDecoder d = t.newStreamingDecoder();
        StringBuilder sb = new StringBuilder(d.accept(1));
        for (int id : generated256) sb.append(d.accept(id));
        sb.append(d.flush());
        assertThat(sb + "\n").isEqualTo(expected256);
    }

    @Test
    void should_round_trip_text_with_byte_fallback() {
        Tokenizer t = Tokenizers.llama2c(data("tok512.bin"), 512);
        String text = "Lily said, \"I'm happy!\"\nThe café 日本 😀 is open.";
        assertThat(t.decode(t.encode(text))).isEqualTo(text);
    }

    @Test
    void should_reject_a_truncated_tokenizer_file_with_a_clear_message(@TempDir Path tmp) throws IOException {
        byte[] all = Files.readAllBytes(data("tok512.bin"));
        Path cut = tmp.resolve("cut.bin");
        Files.write(cut, Arrays.copyOf(all, all.length / 2));
        assertThatThrownBy(() -> Tokenizers.llama2c(cut, 512))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("truncated");
        assertThatThrownBy(() -> Tokenizers.llama2c(tmp.resolve("missing.bin"), 512))
                .isInstanceOf(java.io.UncheckedIOException.class)
                .hasMessageContaining("missing.bin");
    }

    private static int[] firstIdsLine(String block, String label) {
        for (String line : block.split("\n")) {
            if (line.startsWith(label)) {
                return Arrays.stream(line.substring(line.indexOf(':') + 1).trim().split("\\s+"))
                        .mapToInt(Integer::parseInt)
                        .toArray();
            }
        }
        throw new AssertionError("no " + label);
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
