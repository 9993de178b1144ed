package dev.muse.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlFileTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void should_cut_a_torn_last_line_and_append_after_the_last_whole_one(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("samples.jsonl");
        Files.writeString(f, "{\"key\":\"a\"}\n{\"key\":\"b\"}\n{\"key\":\"c\",\"ans");
        java.util.List<String> keys = new java.util.ArrayList<>();
        try (JsonlFile file = JsonlFile.open(f, n -> keys.add(n.get("key").asText()))) {
            assertThat(keys).containsExactly("a", "b");
            assertThat(file.tornLines()).isEqualTo(1);
            file.append(JSON.createObjectNode().put("key", "c"));
        }
        assertThat(Files.readString(f)).isEqualTo("{\"key\":\"a\"}\n{\"key\":\"b\"}\n{\"key\":\"c\"}\n");
    }

    @Test
    void should_refuse_a_file_corrupted_in_the_middle(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("samples.jsonl");
        Files.writeString(f, "{\"key\":\"a\"}\nnot json\n{\"key\":\"b\"}\n");
        assertThatThrownBy(() -> JsonlFile.open(f, n -> {})).isInstanceOf(EvalException.class).hasMessageContaining("samples.jsonl:2");
    }
}
