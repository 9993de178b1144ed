package dev.muse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.muse.testkit.NoisySolver;
import dev.muse.testkit.StandInOpenAiServer;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code muse chat} driven through stdin, as a person typing would. */
class ChatCommandIT {
    @TempDir
    Path dir;

    @Test
    void should_keep_history_switch_modes_and_explain_bad_commands() throws Exception {
        var key = Map.of("What is 17 * 23?", "391", "And 2 + 2?", "4");
        try (var server = StandInOpenAiServer.start(new NoisySolver(key, 1.0, 5)).models("m")) {
            String typed = """
                    /mode instant
                    What is 17 * 23?
                    /agents 0
                    /mode pondering
                    /mode contemplating
                    /agents 3
                    And 2 + 2?
                    /exit
                    """;
            var r = MuseProcess.runWithInput(dir, Map.of(), typed, "chat", "--base-url", server.baseUrl(), "--model", "m");

            assertThat(r.exitCode()).as(r.stderr()).isZero();
            assertThat(r.stdout()).contains("mode: instant").contains("391")
                    .contains("agents must be between 1 and 32")
                    .contains("unknown mode 'pondering'")
                    .contains("mode: contemplating").contains("agents: 3").contains("4");
            // the second question was asked with the first exchange as history
            assertThat(server.requests()).anyMatch(q -> q.allText().contains("What is 17 * 23?") && q.allText().contains("And 2 + 2?"));
            assertThat(r.stderr()).doesNotContain("\tat ");
        }
    }
}
