package dev.muse.reasoning;

import dev.muse.backends.OpenAiChatModel;
import dev.muse.backends.OpenAiConfig;
import dev.muse.core.StreamEvent;
import dev.muse.core.StreamListener;
import dev.muse.core.Usage;
import dev.muse.testkit.RecordedRequest;
import dev.muse.testkit.Responder;
import dev.muse.testkit.StandInOpenAiServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A loopback OpenAI-protocol stand-in and the real client talking to it, plus an event recorder. */
final class StandIn implements AutoCloseable {
    final StandInOpenAiServer server;
    final OpenAiChatModel model;

    private StandIn(Responder responder, String name) {
        server = StandInOpenAiServer.start(responder);
        model = new OpenAiChatModel(OpenAiConfig.of(server.baseUrl(), null, "stand-in")
                .withName(name)
                .withMaxRetries(0)
                .withTimeout(Duration.ofSeconds(10)));
    }

    static StandIn start(Responder responder) {
        return new StandIn(responder, "stand-in");
    }

    static StandIn start(Responder responder, String name) {
        return new StandIn(responder, name);
    }

    List<RecordedRequest> requests() {
        return server.requests();
    }

    @Override
    public void close() {
        model.close();
        server.close();
    }

    /** The text of the system message of a request, or "". */
    static String system(RecordedRequest r) {
        return r.messages().stream().filter(m -> m.role().equals("system")).map(RecordedRequest.Message::text)
                .findFirst().orElse("");
    }

    /** Records every event of a run; thread-safe. */
    static final class Events implements StreamListener {
        final List<StreamEvent> all = new CopyOnWriteArrayList<>();

        @Override
        public void on(StreamEvent e) {
            all.add(e);
        }

        <T extends StreamEvent> List<T> of(Class<T> type) {
            return all.stream().filter(type::isInstance).map(type::cast).toList();
        }

        /** The sum of every UsageReport: what the backends said each call cost. */
        Usage reportedUsage() {
            Usage u = Usage.ZERO;
            for (StreamEvent.UsageReport r : of(StreamEvent.UsageReport.class)) u = u.plus(r.usage());
            return u;
        }

        String text(String agentId) {
            StringBuilder sb = new StringBuilder();
            for (StreamEvent.TextDelta d : of(StreamEvent.TextDelta.class)) {
                if (agentId.equals(d.agentId())) sb.append(d.text());
            }
            return sb.toString();
        }
    }
}
