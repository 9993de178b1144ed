package dev.muse.reference;

import dev.muse.engine.EngineOptions;
import dev.muse.engine.LocalModel;
import dev.muse.engine.LocalModels;
import dev.muse.engine.model.KvCache;
import dev.muse.engine.model.Transformer;
import dev.muse.engine.tensor.Parallel;
import java.nio.file.Path;

/** Muse's logits for every position of a token sequence, through the engine's public loading API. */
final class MuseLogits {
    private MuseLogits() {}

    /**
     * Row i holds the logits after {@code tokens[0..i]}. The prompt goes in as one batch (prefill), the rest one
     * token at a time (decode), so both paths of the forward pass are compared.
     */
    static float[][] of(Path gguf, int[] tokens, int prompt) {
        try (LocalModel m = LocalModels.load(gguf, null, new EngineOptions(1, tokens.length))) {
            Transformer t = m.model().transformer(Parallel.serial());
            KvCache cache = new KvCache(m.config(), 1, tokens.length, KvCache.Type.F32); // as the reference run's cache
            float[][] rows = new float[tokens.length][m.config().vocabSize()];
            int[] positions = new int[prompt];
            for (int i = 0; i < prompt; i++) positions[i] = i;
            float[][] promptRows = java.util.Arrays.copyOf(rows, prompt);
            t.forward(prompt, java.util.Arrays.copyOf(tokens, prompt), positions, new int[prompt], cache, promptRows);
            for (int i = prompt; i < tokens.length; i++) {
                t.forward(1, new int[] {tokens[i]}, new int[] {i}, new int[] {0}, cache, new float[][] {rows[i]});
            }
            return rows;
        }
    }
}
