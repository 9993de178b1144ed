package dev.muse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code muse pull} and {@code muse models} against a loopback server that behaves like Hugging Face's resolve URLs. */
class PullCommandIT {
    @TempDir
    Path dir;

    HttpServer http;
    byte[] file;
    String sha;
    final AtomicBoolean cutFirstDownload = new AtomicBoolean();
    final List<String> ranges = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        file = new byte[3 << 20];
        new Random(1).nextBytes(file);
        System.arraycopy("GGUF".getBytes(), 0, file, 0, 4);
        sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(file));
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        http.createContext("/org/repo/resolve/main/tiny.gguf", ex -> {
            String range = ex.getRequestHeaders().getFirst("Range");
            ranges.add(range == null ? "" : range);
            int from = range == null ? 0 : Integer.parseInt(range.replaceAll("bytes=(\\d+)-", "$1"));
            ex.getResponseHeaders().add("X-Linked-ETag", "\"" + sha + "\"");
            ex.sendResponseHeaders(range == null ? 200 : 206, file.length - from);
            try (OutputStream out = ex.getResponseBody()) {
                int end = cutFirstDownload.getAndSet(false) ? file.length / 2 : file.length;
                out.write(file, from, end - from);
                if (end < file.length) {
                    out.flush();
                    throw new java.io.IOException("cut on purpose"); // the exchange closes short of its length
                }
            }
        });
        http.start();
    }

    @AfterEach
    void stop() {
        http.stop(0);
    }

    private Map<String, String> env() {
        return Map.of("HF_ENDPOINT", "http://127.0.0.1:" + http.getAddress().getPort());
    }

    @Test
    void should_download_verify_and_list_a_model() throws Exception {
        var r = MuseProcess.run(dir, env(), "pull", "org/repo/tiny.gguf");

        assertThat(r.exitCode()).as(r.stderr()).isZero();
        Path saved = dir.resolve(".muse/models/tiny.gguf");
        assertThat(saved).hasBinaryContent(file);
        assertThat(r.stderr()).contains("SHA-256 verified");
        var models = MuseProcess.run(dir, Map.of(), "models");
        assertThat(models.stdout()).contains("tiny.gguf");
    }

    @Test
    void should_resume_an_interrupted_download() throws Exception {
        cutFirstDownload.set(true);
        var first = MuseProcess.run(dir, env(), "pull", "org/repo/tiny.gguf");
        assertThat(first.exitCode()).isNotZero();
        assertThat(first.stderr()).contains("run the same command again to resume").doesNotContain("\tat ");
        assertThat(dir.resolve(".muse/models/tiny.gguf.part")).exists();

        var second = MuseProcess.run(dir, env(), "pull", "org/repo/tiny.gguf");

        assertThat(second.exitCode()).as(second.stderr()).isZero();
        assertThat(ranges.getLast()).startsWith("bytes=").isNotEqualTo("bytes=0-");
        assertThat(dir.resolve(".muse/models/tiny.gguf")).hasBinaryContent(file);
    }

    @Test
    void should_refuse_a_file_whose_checksum_does_not_match() throws Exception {
        var r = MuseProcess.run(dir, env(), "pull", "--sha256", "0".repeat(64), "org/repo/tiny.gguf");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.stderr()).contains("SHA-256 mismatch");
        assertThat(dir.resolve(".muse/models/tiny.gguf")).doesNotExist();
    }

    @Test
    void should_explain_a_malformed_reference() throws Exception {
        var r = MuseProcess.run(dir, env(), "pull", "just-a-name");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.stderr()).contains("org/repo/file.gguf");
    }
}
