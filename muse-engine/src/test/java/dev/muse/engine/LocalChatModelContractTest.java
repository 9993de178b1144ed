package dev.muse.engine;

import dev.muse.core.ChatModel;
import dev.muse.core.ChatRequest;
import dev.muse.engine.model.Architecture;
import dev.muse.engine.model.RandomModelWriter;
import dev.muse.engine.tensor.GgmlType;
import dev.muse.testkit.ChatModelContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;

/**
 * The shared ChatModel contract, run against the embedded engine with a random-weight Qwen2-shaped GGUF (its
 * vocabulary decodes to words like " t123", so answers are never blank). Greedy decoding keeps it deterministic.
 */
class LocalChatModelContractTest extends ChatModelContract {
    private static Path file;

    static synchronized Path file() {
        if (file == null) {
            try {
                file = Files.createTempFile("muse-contract", ".gguf");
                RandomModelWriter.write(file, Architecture.QWEN2, new RandomModelWriter.Shape(256, 512, 2, 4, 2, 320, 4096),
                        GgmlType.Q8_0, 21);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return file;
    }

    @AfterAll
    static void delete() throws IOException {
        if (file != null) Files.deleteIfExists(file);
    }

    @Override
    protected ChatModel createModel() {
        return LocalModels.chatModel(file(), null, new EngineOptions(2, 0));
    }

    @Override
    protected ChatRequest.Builder question() {
        return super.question().temperature(0.0).maxTokens(16);
    }
}
