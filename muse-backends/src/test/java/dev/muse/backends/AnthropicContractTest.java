package dev.muse.backends;

import dev.muse.core.ChatModel;
import dev.muse.core.ChatRequest;
import dev.muse.core.Reasoning;
import dev.muse.testkit.ChatModelContract;
import dev.muse.testkit.Reply;
import dev.muse.testkit.StandInAnthropicServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;

class AnthropicContractTest extends ChatModelContract {
    private final StandInAnthropicServer server = StandInAnthropicServer.start(r -> r.lastUserText().startsWith("Count")
            ? Reply.text("1 2 3 4 5 6 7 8 9 10 ".repeat(50)).withTokenDelay(Duration.ofMillis(20))
            : Reply.text("4").withReasoning("two plus two is four"));

    @AfterEach
    void stop() {
        server.close();
    }

    @Override
    protected ChatModel createModel() {
        return new AnthropicChatModel(AnthropicConfig.of(server.baseUrl(), "key", "claude-stand-in").withTimeout(Duration.ofSeconds(5)));
    }

    @Override
    protected ChatRequest.Builder question() {
        return super.question().reasoning(Reasoning.on(2048));
    }

    @Override
    protected String expectedAnswer() {
        return "4";
    }

    @Override
    protected ChatRequest.Builder longQuestion() {
        return ChatRequest.builder().user("Count to 500");
    }
}
