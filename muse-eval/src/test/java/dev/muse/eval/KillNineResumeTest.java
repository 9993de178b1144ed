package dev.muse.eval;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.muse.backends.OpenAiChatModel;
import dev.muse.backends.OpenAiConfig;
import dev.muse.reasoning.Mode;
import dev.muse.testkit.NoisySolver;
import dev.muse.testkit.StandInOpenAiServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real kill -9 of an evaluation process mid-run, then --resume in this JVM. */
class KillNineResumeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void should_lose_and_duplicate_nothing_after_kill_9(@TempDir Path tmp) throws Exception {
        Map<String, String> key = new LinkedHashMap<>();
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= 40; i++) {
            String q = "Item " + i + ". What is " + i + " times 3?";
            key.put(q, Integer.toString(3 * i));
            sb.append(JSON.writeValueAsString(Map.of("id", "q" + i, "question", q, "answer", Integer.toString(3 * i), "scorer", "numeric"))).append('\n');
        }
        Path data = tmp.resolve("set.jsonl");
        Files.writeString(data, sb.toString());
        Path out = tmp.resolve("out");
        NoisySolver solver = new NoisySolver(key, 0.5, 3);
        // slow replies so the child is still busy when it is killed
        java.util.concurrent.atomic.AtomicBoolean slow = new java.util.concurrent.atomic.AtomicBoolean(true);
        try (var server = StandInOpenAiServer.start(r -> slow.get() ? solver.reply(r).withTokenDelay(Duration.ofMillis(15)) : solver.reply(r))) {
            Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                    System.getProperty("java.class.path"), CrashChild.class.getName(), server.baseUrl(), data.toString(), out.toString())
                    .redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
            Path samples = out.resolve("samples.jsonl");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline && (!Files.exists(samples) || Files.readAllLines(samples).size() < 8)) {
                assertThat(child.isAlive()).as("the child ended before it could be killed: " + Files.readString(tmp.resolve("child.log"))).isTrue();
                Thread.sleep(20);
            }
            child.destroyForcibly(); // SIGKILL on Unix: no shutdown hooks, no flushing
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
            slow.set(false);
            int before = Files.readAllLines(samples).size();
            assertThat(before).isBetween(8, 39);

            EvalResults r = EvalRunner.run(EvalConfig.builder("custom", data).outDir(out).modes(List.of(Mode.INSTANT)).probes(false)
                    .resume(true).build(), new OpenAiChatModel(OpenAiConfig.of(server.baseUrl(), "k", "stand-in")), null, null);

            Set<String> ids = new HashSet<>();
            List<String> lines = Files.readAllLines(samples);
            for (String l : lines) assertThat(ids.add(JSON.readTree(l).path("id").asText())).as("duplicate line " + l.substring(0, 40)).isTrue();
            assertThat(ids).hasSize(40);
            assertThat(r.modes().getFirst().n()).isEqualTo(40);
            assertThat(r.modes().getFirst().errors()).isZero();
        }
    }
}
