package dev.muse.backends;

import dev.muse.core.ChatModel;
import dev.muse.core.ChatRequest;
import dev.muse.testkit.ChatModelContract;
import dev.muse.testkit.Reply;
import dev.muse.testkit.StandInOpenAiServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;

class OpenAiContractTest extends ChatModelContract {
    private final StandInOpenAiServer server = StandInOpenAiServer.start(r -> r.lastUserText().startsWith("Count")
            ? Reply.text("1 2 3 4 5 6 7 8 9 10 ".repeat(50)).withTokenDelay(Duration.ofMillis(20))
            : Reply.text("4").withReasoning("two plus two is four"));

    @AfterEach
    void stop() {
        server.close();
    }

    @Override
    protected ChatModel createModel() {
        return new OpenAiChatModel(OpenAiConfig.of(server.baseUrl(), null, "stand-in").withTimeout(Duration.ofSeconds(5)));
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
