package dev.muse.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Downloads a GGUF into {@code ~/.muse/models}: resumable (an interrupted download continues from its
 * {@code .part} file with an HTTP Range request) and checked against a SHA-256 — the one given with
 * {@code --sha256}, or the one Hugging Face publishes for LFS files in its {@code X-Linked-ETag} header.
 */
@Command(name = "pull", mixinStandardHelpOptions = true, description = "Download a GGUF model: a Hugging Face reference org/repo/file.gguf (revision main) or an http(s) URL.")
final class PullCommand implements Callable<Integer> {
    @Parameters(paramLabel = "REF", description = "org/repo/file.gguf, org/repo/path/file.gguf, or a URL")
    String ref;

    @Option(names = "--sha256", paramLabel = "HEX", description = "Expected SHA-256 of the file.")
    String sha256;

    @Option(names = "--revision", paramLabel = "REV", defaultValue = "main", description = "Hugging Face revision (default main).")
    String revision;

    @Option(names = "--name", paramLabel = "FILE", description = "Store under this file name instead of the URL's.")
    String name;

    @Override
    public Integer call() throws Exception {
        URI uri = resolve(ref, revision);
        String fileName = name != null ? name : Path.of(uri.getPath()).getFileName().toString();
        if (!fileName.matches("[A-Za-z0-9._+-]+")) throw new UserError("unusable file name '" + fileName + "': pass --name FILE.gguf");
        if (sha256 != null && !sha256.matches("(?i)[0-9a-f]{64}")) throw new UserError("--sha256 must be 64 hex digits");
        Path dir = LocalModelStore.dir();
        Files.createDirectories(dir);
        Path target = dir.resolve(fileName);
        if (Files.isRegularFile(target)) {
            System.err.println("already downloaded: " + target);
            System.out.println(target);
            return 0;
        }
        Path part = dir.resolve(fileName + ".part");
        String expected = download(uri, part, sha256 == null ? null : sha256.toLowerCase(Locale.ROOT), System.err);
        checkGguf(part);
        Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
        if (expected != null) Files.writeString(dir.resolve(fileName + ".sha256"), expected + "  " + fileName + "\n");
        System.err.println("saved " + target);
        System.out.println(target);
        return 0;
    }

    /** {@code org/repo/file.gguf} → the Hugging Face resolve URL ({@code HF_ENDPOINT} overrides the host, as in huggingface_hub). */
    static URI resolve(String ref, String revision) {
        if (ref == null || ref.isBlank()) throw new UserError("pull needs a reference: org/repo/file.gguf or a URL");
        if (ref.startsWith("http://") || ref.startsWith("https://")) {
            try {
                return URI.create(ref);
            } catch (IllegalArgumentException e) {
                throw new UserError("not a valid URL: " + ref);
            }
        }
        String[] parts = ref.split("/", 3);
        if (parts.length < 3 || parts[0].isBlank() || parts[1].isBlank() || parts[2].isBlank()) {
            throw new UserError("'" + ref + "' is not org/repo/file.gguf or a URL (e.g. Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q8_0.gguf)");
        }
        String endpoint = System.getenv().getOrDefault("HF_ENDPOINT", "https://huggingface.co").replaceAll("/+$", "");
        return URI.create(endpoint + "/" + parts[0] + "/" + parts[1] + "/resolve/" + revision + "/" + parts[2]);
    }

    /** Downloads (or resumes) into {@code part}; returns the verified SHA-256, or null when none was known. */
    static String download(URI uri, Path part, String expectedSha, PrintStream progress) throws IOException, InterruptedException {
        long have = Files.isRegularFile(part) ? Files.size(part) : 0;
        HttpRequest.Builder req = HttpRequest.newBuilder(uri).GET().timeout(Duration.ofMinutes(30));
        String token = System.getenv("HF_TOKEN");
        if (token != null && !token.isBlank()) req.header("Authorization", "Bearer " + token.strip());
        if (have > 0) req.header("Range", "bytes=" + have + "-");
        HttpResponse<InputStream> resp;
        try (HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(Duration.ofSeconds(15)).build()) {
            try {
                resp = http.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                throw new UserError("cannot reach " + uri.getHost() + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
            }
            int status = resp.statusCode();
            if (status == 416 && have > 0) {
                resp.body().close(); // the part file is already complete
            } else if (status == 401 || status == 403) {
                throw new UserError(uri + " answered " + status + ": the model may be gated; set HF_TOKEN to a token with access");
            } else if (status == 404) {
                throw new UserError(uri + " was not found (404): check the org/repo/file name and --revision");
            } else if (status != 200 && status != 206) {
                throw new UserError(uri + " answered HTTP " + status);
            }
            if (expectedSha == null) expectedSha = publishedSha(resp);
            boolean append = status == 206;
            if (status == 200 && have > 0) {
                progress.println("the server does not resume downloads; starting over");
                have = 0;
            }
            if (status != 416) {
                long total = resp.headers().firstValueAsLong("content-length").orElse(-1) + (append ? have : 0);
                try (InputStream in = resp.body();
                        OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                                append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
                    copyWithProgress(in, out, append ? have : 0, total, progress);
                } catch (IOException e) {
                    throw new UserError("download interrupted (" + e.getMessage() + "); run the same command again to resume from "
                            + Files.size(part) / (1024 * 1024) + " MB");
                }
            }
        }
        if (expectedSha == null) {
            progress.println("no SHA-256 known for this file (pass --sha256 to check it)");
            return null;
        }
        String actual = sha256(part);
        if (!actual.equals(expectedSha)) {
            Files.deleteIfExists(part);
            throw new UserError("SHA-256 mismatch: expected " + expectedSha + ", got " + actual + "; the download was deleted, run the command again");
        }
        progress.println("SHA-256 verified: " + actual);
        return actual;
    }

    /** Hugging Face sends an LFS file's SHA-256 as its (linked) ETag. */
    private static String publishedSha(HttpResponse<?> resp) {
        for (String h : new String[] {"x-linked-etag", "etag"}) {
            String v = resp.headers().firstValue(h).orElse("").replace("\"", "").replaceFirst("^W/", "").toLowerCase(Locale.ROOT);
            if (v.matches("[0-9a-f]{64}")) return v;
        }
        return null;
    }

    private static void copyWithProgress(InputStream in, OutputStream out, long start, long total, PrintStream progress) throws IOException {
        byte[] buf = new byte[1 << 16];
        long done = start;
        long t0 = System.nanoTime();
        long lastPrint = 0;
        boolean tty = System.console() != null;
        for (int n; (n = in.read(buf)) > 0; ) {
            out.write(buf, 0, n);
            done += n;
            long now = System.nanoTime();
            if (now - lastPrint > 250_000_000L) {
                lastPrint = now;
                double mbps = (done - start) / 1e6 / Math.max(1e-3, (now - t0) / 1e9);
                String line = total > 0
                        ? String.format(Locale.ROOT, "%s %5.1f%%  %,d / %,d MB  %.1f MB/s", bar(done, total), 100.0 * done / total, done >> 20, total >> 20, mbps)
                        : String.format(Locale.ROOT, "%,d MB  %.1f MB/s", done >> 20, mbps);
                progress.print(tty ? "\r" + line : line + "\n");
            }
        }
        if (tty) progress.println();
    }

    private static String bar(long done, long total) {
        int width = 30;
        int filled = (int) Math.min(width, width * done / Math.max(1, total));
        return "[" + "#".repeat(filled) + " ".repeat(width - filled) + "]";
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void checkGguf(Path part) throws IOException {
        byte[] magic = new byte[4];
        try (InputStream in = Files.newInputStream(part)) {
            if (in.readNBytes(magic, 0, 4) < 4 || !new String(magic, java.nio.charset.StandardCharsets.US_ASCII).equals("GGUF")) {
                throw new UserError("the download is not a GGUF file (wrong magic); kept as " + part + " for inspection");
            }
        }
    }
}
