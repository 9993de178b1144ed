package dev.muse.engine.model;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * A model family as data: its GGUF name, how it rotates positions, and the small hooks it adds to the one
 * forward pass. Adding a family means adding a constant here (and its tensor names if they differ).
 */
public enum Architecture {
    /** Llama 2/3.x, SmolLM2, TinyLlama, Mistral-style; also llama2.c checkpoints. Adjacent-pair RoPE. */
    LLAMA("llama", RopeStyle.ADJACENT_PAIRS, false, false),
    /** Qwen2 / Qwen2.5: biases on q, k and v; half-split (NeoX) RoPE. */
    QWEN2("qwen2", RopeStyle.HALF_SPLIT, true, false),
    /** Qwen3 dense: RMSNorm over each q and k head before RoPE; no biases; half-split RoPE. */
    QWEN3("qwen3", RopeStyle.HALF_SPLIT, false, true);

    /** Which elements of a head RoPE rotates together. */
    public enum RopeStyle {
        /** (x[2i], x[2i+1]): llama.cpp's "normal" RoPE, llama2.c's run.c */
        ADJACENT_PAIRS,
        /** (x[i], x[i + d/2]): llama.cpp's NeoX RoPE, used by Qwen */
        HALF_SPLIT
    }

    private final String ggufName;
    private final RopeStyle rope;
    private final boolean qkvBias;
    private final boolean qkNorm;

    Architecture(String ggufName, RopeStyle rope, boolean qkvBias, boolean qkNorm) {
        this.ggufName = ggufName;
        this.rope = rope;
        this.qkvBias = qkvBias;
        this.qkNorm = qkNorm;
    }

    public String ggufName() {
        return ggufName;
    }

    public RopeStyle rope() {
        return rope;
    }

    public boolean qkvBias() {
        return qkvBias;
    }

    public boolean qkNorm() {
        return qkNorm;
    }

    /** The family named {@code general.architecture}; a clear error listing the supported ones otherwise. */
    public static Architecture fromGguf(String name) {
        for (Architecture a : values()) {
            if (a.ggufName.equals(name)) return a;
        }
        throw new UnsupportedArchitectureException(name);
    }

    public static String supportedNames() {
        return Arrays.stream(values()).map(Architecture::ggufName).collect(Collectors.joining(", "));
    }
}
