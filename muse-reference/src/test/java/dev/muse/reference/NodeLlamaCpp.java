package dev.muse.reference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code src/test/node/reference.mjs}: llama.cpp through node-llama-cpp's prebuilt CPU binary, installed by
 * {@code npm ci} beforehand. Nothing is downloaded or built at run time: the script forbids it, and a binary that
 * does not load is reported as an error.
 */
final class NodeLlamaCpp {
    static final String VERSION = "3.22.1";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the reference computed for one model: the teacher-forced tokens and every position's logits. */
    record Run(String name, int[] tokens, float[][] logits, String llamaCppRelease, String binary) {}

    private final Path dir;

    NodeLlamaCpp(Path dir) {
        this.dir = dir;
    }

    /** The folder holding package.json and reference.mjs: {@code -Dmuse.reference.node.dir}, set by the pom. */
    static NodeLlamaCpp fromSystemProperty() {
        return new NodeLlamaCpp(Path.of(System.getProperty("muse.reference.node.dir", "src/test/node")).toAbsolutePath());
    }

    /** Why the reference cannot run here (node or the npm install missing), or empty when it can. */
    Optional<String> unavailable() {
        String install = "run (cd muse-reference/src/test/node && npm ci --ignore-scripts --no-audit --no-fund) first";
        try {
            Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) return Optional.of("`node --version` failed: " + v);
        } catch (IOException e) {
            return Optional.of("no `node` on PATH (Node.js 20 or newer is needed for the node-llama-cpp reference)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted");
        }
        if (!Files.isRegularFile(dir.resolve("node_modules/node-llama-cpp/package.json"))) {
            return Optional.of("node-llama-cpp is not installed in " + dir + ": " + install);
        }
        if (!Files.isDirectory(dir.resolve("node_modules/@node-llama-cpp/linux-x64/bins"))) {
            return Optional.of("node-llama-cpp's prebuilt binary @node-llama-cpp/linux-x64 is not installed in " + dir
                    + " (it exists for Linux x86-64 only): " + install);
        }
        return Optional.empty();
    }

    /** The installed node-llama-cpp version. */
    String installedVersion() throws IOException {
        return JSON.readTree(dir.resolve("node_modules/node-llama-cpp/package.json").toFile()).path("version").asText();
    }

    /**
     * Evaluates {@code prompt} then {@code steps} greedy tokens on every model, in one Node process.
     *
     * @throws IllegalStateException with the script's message when the reference cannot run
     */
    Map<String, Run> run(Map<String, Path> models, int vocab, int[] prompt, int steps, Path work, Duration timeout)
            throws IOException, InterruptedException {
        var job = JSON.createObjectNode();
        // one thread: ggml's workers spin while waiting, which collapses when the 2 cores are shared
        job.put("vocab", vocab).put("steps", steps).put("threads", 1);
        var p = job.putArray("prompt");
        for (int t : prompt) p.add(t);
        var ms = job.putArray("models");
        models.forEach((name, path) -> ms.addObject().put("name", name).put("path", path.toAbsolutePath().toString()));
        Path jobFile = work.resolve("node-job.json");
        JSON.writeValue(jobFile.toFile(), job);
        Path stderr = work.resolve("node-stderr.txt");

        ProcessBuilder pb = new ProcessBuilder("node", dir.resolve("reference.mjs").toString(), jobFile.toString())
                .directory(dir.toFile()).redirectError(stderr.toFile());
        pb.environment().put("NODE_LLAMA_CPP_SKIP_DOWNLOAD", "true");
        pb.environment().put("NODE_LLAMA_CPP_GPU", "false");
        Process proc = pb.start();
        CompletableFuture<List<String>> lines = CompletableFuture.supplyAsync(() -> {
            List<String> out = new ArrayList<>();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) out.add(l);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return out;
        });
        if (!proc.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            proc.destroyForcibly();
            throw new IllegalStateException("node-llama-cpp did not finish within " + timeout + "; its stderr: " + tail(stderr));
        }
        List<String> out = lines.join();
        Map<String, Run> runs = new LinkedHashMap<>();
        for (String line : out) {
            JsonNode n = JSON.readTree(line);
            if (n.has("error")) throw new IllegalStateException(n.get("error").asText());
            runs.put(n.get("name").asText(), parse(n, vocab));
        }
        if (proc.exitValue() != 0 || runs.size() != models.size()) {
            throw new IllegalStateException("node-llama-cpp exited with " + proc.exitValue() + " after " + runs.size() + " of "
                    + models.size() + " models; its stderr: " + tail(stderr));
        }
        return runs;
    }

    private static Run parse(JsonNode n, int vocab) {
        JsonNode t = n.get("tokens");
        int[] tokens = new int[t.size()];
        for (int i = 0; i < tokens.length; i++) tokens[i] = t.get(i).asInt();
        ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(n.get("logits").asText())).order(ByteOrder.LITTLE_ENDIAN);
        float[][] logits = new float[b.remaining() / 4 / vocab][vocab];
        for (float[] row : logits) {
            for (int v = 0; v < vocab; v++) row[v] = b.getFloat();
        }
        JsonNode ref = n.path("reference");
        return new Run(n.get("name").asText(), tokens, logits, ref.path("llamaCpp").path("release").asText("?"),
                ref.path("binary").asText("?"));
    }

    private static String tail(Path file) {
        try {
            String s = Files.readString(file);
            return s.length() > 2000 ? "..." + s.substring(s.length() - 2000) : s;
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }
}
