package dev.muse.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.util.function.Consumer;

/**
 * An append-only JSON Lines file that survives {@code kill -9}: each line is written whole and forced to disk
 * before the writer goes on, and a torn last line left by a crash is cut off when the file is opened again.
 */
final class JsonlFile implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path path;
    private final FileChannel channel;
    private final int tornLines;

    private JsonlFile(Path path, FileChannel channel, int tornLines) {
        this.path = path;
        this.channel = channel;
        this.tornLines = tornLines;
    }

    /**
     * Opens (creating if needed), hands every whole line to {@code each} in order (streamed: a large file is never
     * held in memory), and cuts a torn tail.
     */
    static JsonlFile open(Path path, Consumer<JsonNode> each) {
        try {
            if (path.getParent() != null) Files.createDirectories(path.getParent());
            FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            long goodEnd = 0;
            long offset = 0;
            int torn = 0;
            int lineNo = 0;
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            try (InputStream in = new BufferedInputStream(Files.newInputStream(path), 1 << 16)) {
                int b;
                while ((b = in.read()) >= 0) {
                    offset++;
                    if (b != '\n') {
                        line.write(b);
                        continue;
                    }
                    lineNo++;
                    String text = line.toString(StandardCharsets.UTF_8);
                    line.reset();
                    if (text.isBlank()) {
                        goodEnd = offset;
                        continue;
                    }
                    JsonNode node;
                    try {
                        node = JSON.readTree(text);
                    } catch (JsonProcessingException e) {
                        // only a crash mid-write makes a bad line, and only the last one can be torn
                        if (in.available() > 0 || offset < Files.size(path)) {
                            ch.close();
                            throw new EvalException(path + ":" + lineNo + " is not valid JSON and is not the last line: the file was"
                                    + " edited or corrupted; move it away to start afresh");
                        }
                        torn++;
                        continue;
                    }
                    each.accept(node);
                    goodEnd = offset;
                }
            }
            if (line.size() > 0) torn++; // no newline at the end: written partly
            if (goodEnd < ch.size()) {
                ch.truncate(goodEnd);
                ch.force(true);
            }
            ch.position(goodEnd);
            return new JsonlFile(path, ch, torn);
        } catch (IOException e) {
            throw new EvalException("cannot open " + path + ": " + e.getMessage(), e);
        }
    }

    /** Lines cut off because a crash left them half-written. */
    int tornLines() {
        return tornLines;
    }

    synchronized void append(JsonNode node) {
        byte[] b = (node.toString() + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            ByteBuffer buf = ByteBuffer.wrap(b);
            while (buf.hasRemaining()) channel.write(buf);
            channel.force(false);
        } catch (IOException e) {
            ResponseCache.ioFailure(e, path);
        }
    }

    @Override
    public synchronized void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing after a failed write: the write already reported the problem
        }
    }
}
