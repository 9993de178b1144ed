package dev.muse.cli;

import dev.muse.backends.AnthropicChatModel;
import dev.muse.backends.AnthropicConfig;
import dev.muse.core.ChatModel;

/** Anthropic's Messages API as a backend. */
final class AnthropicBackend {
    private AnthropicBackend() {}

    static ChatModel open(ResolvedBackend b) {
        AnthropicConfig cfg = AnthropicConfig.of(b.baseUrl(), b.apiKey(), b.model())
                .withName(b.name().equals("anthropic") ? null : b.name())
                .withTimeout(b.timeout())
                .withMaxRetries(b.maxRetries());
        return new AnthropicChatModel(cfg);
    }
}
