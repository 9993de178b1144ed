package dev.muse.reference;

import dev.muse.engine.model.Architecture;
import dev.muse.engine.model.RandomModelWriter;
import dev.muse.engine.tensor.GgmlType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** One architecture × tensor type: a random-weight GGUF written by the engine's own writer, and the shared prompt. */
record ReferenceCase(Architecture arch, GgmlType type) {
    /** Every tensor type the engine loads. */
    static final List<GgmlType> TYPES = List.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0,
            GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K);
    /** Rows of 256 so every K-quant fits; two layers, grouped-query attention (4 heads over 2 KV heads). */
    static final RandomModelWriter.Shape SHAPE = new RandomModelWriter.Shape(256, 512, 2, 4, 2, 2048, 256);
    static final long SEED = 42;
    static final int PROMPT = 64;

    static List<ReferenceCase> all() {
        List<ReferenceCase> out = new ArrayList<>();
        for (Architecture a : Architecture.values()) {
            for (GgmlType t : TYPES) out.add(new ReferenceCase(a, t));
        }
        return out;
    }

    /** BOS, then random ids from the filler part of the vocabulary (past the 3 specials and 256 byte tokens). */
    static int[] prompt() {
        SplittableRandom rnd = new SplittableRandom(7);
        int[] p = new int[PROMPT];
        p[0] = 1;
        for (int i = 1; i < PROMPT; i++) p[i] = 259 + rnd.nextInt(SHAPE.vocabSize() - 259);
        return p;
    }

    String name() {
        return arch.ggufName() + "-" + type.name().toLowerCase();
    }

    private static Path shared;

    /**
     * One folder of models for the whole test run ({@code target/reference-models}, emptied on first use so every
     * run compares files from the current writer): both references read the same files, written once.
     */
    static synchronized Path modelDir() {
        if (shared == null) {
            try {
                Path dir = Path.of("target", "reference-models").toAbsolutePath();
                if (Files.isDirectory(dir)) {
                    try (var old = Files.list(dir)) {
                        for (Path p : old.toList()) Files.delete(p);
                    }
                }
                shared = Files.createDirectories(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return shared;
    }

    /** This case's model in {@link #modelDir()}, written on first use. */
    Path model() {
        return model(modelDir(), SEED);
    }

    Path model(Path dir, long seed) {
        Path file = dir.resolve(name() + (seed == SEED ? "" : "-seed" + seed) + ".gguf");
        try {
            synchronized (ReferenceCase.class) {
                if (!Files.exists(file)) RandomModelWriter.write(file, arch, SHAPE, type, seed);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    @Override
    public String toString() {
        return arch.ggufName() + " " + type;
    }
}
