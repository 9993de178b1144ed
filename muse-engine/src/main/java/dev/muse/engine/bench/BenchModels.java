package dev.muse.engine.bench;

import dev.muse.engine.model.Architecture;
import dev.muse.engine.model.RandomModelWriter;
import dev.muse.engine.model.RandomModelWriter.Shape;
import dev.muse.engine.tensor.GgmlType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The benchmark's random-weight files (speed does not depend on the values), written by the project's own GGUF
 * writer: {@code java -cp ... dev.muse.engine.bench.BenchModels DIR NAME...} with names {@code llama1b-q8_0},
 * {@code llama1b-q4_0}, {@code llama1b-q4_k_m}, {@code llama1b-f16}, {@code qwen05b-q8_0}, {@code qwen05b-q4_0}.
 * Existing files are kept.
 */
public final class BenchModels {
    /** Llama-3.2-1B: hidden 2048, 16 layers, 32 heads, 8 KV heads, FFN 8192, vocabulary 128256. */
    public static final Shape LLAMA_1B = new Shape(2048, 8192, 16, 32, 8, 128256, 2048);
    /** Qwen2.5-0.5B: hidden 896, 24 layers, 14 heads, 2 KV heads, FFN 4864, vocabulary 151936. */
    public static final Shape QWEN_05B = new Shape(896, 4864, 24, 14, 2, 151936, 2048);

    private BenchModels() {}

    /** Writes the named file into {@code dir} unless it exists; returns its path. */
    public static Path make(Path dir, String name) throws IOException {
        Path out = dir.resolve(name + ".gguf");
        if (Files.exists(out)) return out;
        Files.createDirectories(dir);
        Path tmp = dir.resolve(name + ".gguf.part");
        String[] parts = name.split("-", 2);
        if (parts.length != 2) throw new IllegalArgumentException("unknown bench model '" + name + "'; use e.g. llama1b-q8_0");
        Architecture arch = switch (parts[0]) {
            case "llama1b" -> Architecture.LLAMA;
            case "qwen05b" -> Architecture.QWEN2;
            default -> throw new IllegalArgumentException("unknown shape '" + parts[0] + "'; use llama1b or qwen05b");
        };
        Shape shape = arch == Architecture.LLAMA ? LLAMA_1B : QWEN_05B;
        try {
            if (parts[1].equals("q4_k_m")) {
                RandomModelWriter.write(tmp, arch, shape, RandomModelWriter.q4kM(shape.layers()), "q4_k_m", 42);
            } else {
                GgmlType type;
                try {
                    type = GgmlType.valueOf(parts[1].toUpperCase());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("unknown type '" + parts[1] + "'; use q4_k_m or a tensor type: f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q4_k, q5_k, q6_k");
                }
                RandomModelWriter.write(tmp, arch, shape, type, 42);
            }
            Files.move(tmp, out);
        } finally {
            Files.deleteIfExists(tmp); // a failed write leaves no partial file behind
        }
        return out;
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: BenchModels DIR NAME... (llama1b-q8_0 llama1b-q4_0 llama1b-q4_k_m llama1b-f16 qwen05b-q8_0 ...)");
            System.exit(2);
        }
        for (int i = 1; i < args.length; i++) {
            try {
                System.out.println(make(Path.of(args[0]), args[i]));
            } catch (IllegalArgumentException e) { // unknown names and types the writer cannot quantise to
                System.err.println("error: " + e.getMessage());
                System.exit(2);
            }
        }
    }
}
