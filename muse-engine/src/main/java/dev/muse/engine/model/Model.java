package dev.muse.engine.model;

import dev.muse.engine.tensor.Parallel;
import java.util.Map;

/**
 * A loaded model: its configuration, its weights (views of a memory-mapped file) and the file's metadata
 * (GGUF key/values; empty for llama2.c checkpoints). Closing unmaps the file (the {@code resource}); tensors must not be used after.
 */
public final class Model implements AutoCloseable {
    private final ModelConfig config;
    private final Weights weights;
    private final Map<String, Object> metadata;
    private final AutoCloseable resource;

    public Model(ModelConfig config, Weights weights, Map<String, Object> metadata, AutoCloseable resource) {
        this.config = config;
        this.weights = weights;
        this.metadata = metadata == null ? Map.of() : metadata;
        this.resource = resource;
    }

    public ModelConfig config() {
        return config;
    }

    public Weights weights() {
        return weights;
    }

    /** GGUF metadata: strings, Long for every integer type, Double for floats, Boolean, List for arrays. */
    public Map<String, Object> metadata() {
        return metadata;
    }

    public Transformer transformer(Parallel parallel) {
        return new Transformer(config, weights, parallel);
    }

    @Override
    public void close() {
        if (resource == null) return;
        try {
            resource.close();
        } catch (Exception e) {
            throw new IllegalStateException("could not release the model file: " + e.getMessage(), e);
        }
    }
}
