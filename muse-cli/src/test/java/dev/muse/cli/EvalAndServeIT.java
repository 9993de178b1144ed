package dev.muse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.muse.testkit.NoisySolver;
import dev.muse.testkit.StandInOpenAiServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code muse eval} and {@code muse serve} from the packaged jar, against a loopback stand-in backend. */
class EvalAndServeIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void should_write_the_per_mode_report_for_a_custom_benchmark() throws Exception {
        Map<String, String> key = new LinkedHashMap<>();
        StringBuilder data = new StringBuilder();
        for (int i = 1; i <= 8; i++) {
            String q = "What is " + i + " + " + (i * 3) + "?";
            key.put(q, String.valueOf(i + i * 3));
            data.append(JSON.writeValueAsString(Map.of("question", q, "answer", String.valueOf(i + i * 3), "scorer", "numeric"))).append('\n');
        }
        Files.writeString(dir.resolve("items.jsonl"), data);
        try (var server = StandInOpenAiServer.start(new NoisySolver(key, 1.0, 3)).models("m")) {
            var r = MuseProcess.run(dir, Map.of(), "eval", "custom", "--data", "items.jsonl", "--modes", "instant,thinking",
                    "--no-probes", "--out", "out", "--base-url", server.baseUrl(), "--model", "m");

            assertThat(r.exitCode()).as(r.stderr()).isZero();
            assertThat(r.stdout()).contains("instant").contains("thinking");
            JsonNode results = JSON.readTree(dir.resolve("out/results.json").toFile());
            assertThat(results.at("/modes/instant/accuracy").asDouble()).isEqualTo(1.0);
            assertThat(results.at("/modes/thinking/n").asInt()).isEqualTo(8);
            assertThat(dir.resolve("out/report.html")).exists();
            assertThat(Files.readAllLines(dir.resolve("out/samples.jsonl"))).hasSize(16);
        }
    }

    @Test
    void should_name_missing_benchmark_data_before_contacting_any_backend() throws Exception {
        var r = MuseProcess.run(dir, Map.of(), "eval", "gsm8k", "--data", "no/such/file.jsonl", "--base-url", "http://127.0.0.1:9/v1", "--model", "m");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.stderr()).contains("benchmark data not found: no/such/file.jsonl").doesNotContain("\tat ");
    }

    @Test
    void should_serve_every_configured_backend_through_the_openai_api_and_the_web_page() throws Exception {
        try (var backend = StandInOpenAiServer.start(new NoisySolver(Map.of("What is 2 + 2?", "4"), 1.0, 1)).models("m");
                var other = StandInOpenAiServer.start(new NoisySolver(Map.of("What is 2 + 2?", "4"), 1.0, 2)).models("m2")) {
            Files.writeString(dir.resolve("muse.yaml"), """
                    default_backend: first
                    backends:
                      first: {base_url: "%s", model: m}
                      second: {base_url: "%s", model: m2}
                    """.formatted(backend.baseUrl(), other.baseUrl()));
            String jar = System.getProperty("muse.jar");
            String java = System.getProperty("muse.java");
            ProcessBuilder pb = new ProcessBuilder(List.of(java, "--add-modules", "jdk.incubator.vector", "-jar", jar, "serve", "--port", "0"))
                    .directory(dir.toFile()).redirectErrorStream(true);
            pb.environment().put("MUSE_HOME", dir.resolve(".muse").toString());
            Process p = pb.start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                String url = null;
                Pattern at = Pattern.compile("\\(API: (http://127\\.0\\.0\\.1:\\d+)/v1");
                for (String line; url == null && (line = out.readLine()) != null; ) {
                    Matcher m = at.matcher(line);
                    if (m.find()) url = m.group(1);
                }
                assertThat(url).as("serve prints its URL").isNotNull();
                try (HttpClient http = HttpClient.newHttpClient()) {
                    var models = http.send(HttpRequest.newBuilder(URI.create(url + "/v1/models")).build(), HttpResponse.BodyHandlers.ofString());
                    assertThat(models.body()).contains("muse-contemplating").contains("\"m\"").contains("\"m2\"");
                    var page = http.send(HttpRequest.newBuilder(URI.create(url + "/")).build(), HttpResponse.BodyHandlers.ofString());
                    assertThat(page.statusCode()).isEqualTo(200);
                    assertThat(page.body()).containsIgnoringCase("<html");
                    String body = """
                            {"model":"muse-instant","messages":[{"role":"user","content":"What is 2 + 2?"}]}""";
                    var chat = http.send(HttpRequest.newBuilder(URI.create(url + "/v1/chat/completions"))
                            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
                    assertThat(JSON.readTree(chat.body()).at("/choices/0/message/content").asText()).contains("4");
                }
            } finally {
                p.destroy();
                if (!p.waitFor(20, TimeUnit.SECONDS)) p.destroyForcibly();
            }
        }
    }
}
