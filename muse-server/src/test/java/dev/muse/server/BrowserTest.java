package dev.muse.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.muse.testkit.Reply;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The chat page in headless chromium (Debian's, driven by npm's playwright-core from {@code src/test/browser}):
 * Contemplating with three agents streams agent cards and the final answer; the screenshot lands in
 * {@code target/browser/contemplating.png}. Skips unless chromium ({@code MUSE_CHROMIUM} or /usr/bin/chromium),
 * node and {@code src/test/browser/node_modules} (run {@code npm ci} there) are present.
 */
class BrowserTest {

    @Test
    void should_show_agents_streaming_and_the_final_answer_in_contemplating() throws Exception {
        Path chromium = Path.of(System.getenv().getOrDefault("MUSE_CHROMIUM", "/usr/bin/chromium"));
        Path dir = Path.of("src/test/browser").toAbsolutePath();
        Assumptions.assumeTrue(Files.isExecutable(chromium), "no chromium at " + chromium + ": skipping the browser test (apt-get install chromium)");
        Assumptions.assumeTrue(Files.isDirectory(dir.resolve("node_modules/playwright-core")),
                "playwright-core is not installed: skipping the browser test (run `npm ci` in " + dir + ")");
        Path shot = Path.of("target/browser/contemplating.png").toAbsolutePath();
        Files.createDirectories(shot.getParent());
        Files.deleteIfExists(shot);
        Reply story = Reply.text("Once upon a time ".repeat(500)).withTokenDelay(Duration.ofMillis(20));
        Reply answer = Reply.text("6 times 7 is 42. The answer is 42.").withReasoning("six sevens make forty-two")
                .withTokenDelay(Duration.ofMillis(3));
        try (Harness h = Harness.start(req -> req.lastUserText().contains("long story") ? story : answer)) {
            ProcessBuilder pb = new ProcessBuilder("node", "ui-test.mjs", h.server.url() + "/", shot.toString())
                    .directory(dir.toFile()).redirectErrorStream(true);
            pb.environment().put("CHROMIUM", chromium.toString());
            Process p = pb.start();
            byte[] out = p.getInputStream().readAllBytes();
            boolean ended = p.waitFor(120, TimeUnit.SECONDS);
            String output = new String(out, StandardCharsets.UTF_8);
            if (!ended) p.destroyForcibly();
            assertThat(ended).as("browser script finished").isTrue();
            assertThat(p.exitValue()).as(output).isZero();
            String last = output.strip().lines().reduce((a, b) -> b).orElse("{}");
            JsonNode r = Harness.JSON.readTree(last);
            assertThat(r.get("cards").asInt()).as(output).isGreaterThanOrEqualTo(3);
            assertThat(r.get("answer").asText()).contains("42");
            assertThat(r.get("stats").asText()).contains("contemplating").contains("tokens");
            assertThat(r.get("afterReload").asText()).contains("42");
            assertThat(r.get("errors")).as(output).isEmpty();
            assertThat(r.get("stopped").asBoolean()).isTrue();
            // the image picked in the page reached the backend; the stop button cut the backend's stream
            assertThat(h.backend.requests().getFirst().body().toString()).contains("data:image/png;base64,iVBORw0KGgo");
            assertThat(h.backend.awaitClientDisconnects(1, Duration.ofSeconds(10))).isTrue();
            assertThat(shot).exists();
            assertThat(Files.size(shot)).isGreaterThan(10_000);
        }
    }
}
