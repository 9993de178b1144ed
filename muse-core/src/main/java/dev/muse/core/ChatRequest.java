package dev.muse.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One request to a {@link ChatModel}: the messages and the sampling parameters. Null parameters mean "the
 * backend's default". {@code n} asks for that many independent samples of the same prompt.
 *
 * @param extra backend-specific parameters passed through to the wire as they are (for example {@code top_k})
 * @param cancellation cancels the call when triggered; never null
 */
public record ChatRequest(
        List<ChatMessage> messages,
        String model,
        Integer maxTokens,
        Double temperature,
        Double topP,
        Long seed,
        List<String> stop,
        int n,
        List<ToolSpec> tools,
        String toolChoice,
        Reasoning reasoning,
        Duration timeout,
        Map<String, Object> extra,
        Cancellation cancellation) {

    public ChatRequest {
        Objects.requireNonNull(messages, "messages");
        if (messages.isEmpty()) throw new IllegalArgumentException("a chat request needs at least one message");
        messages = List.copyOf(messages);
        if (n < 1 || n > 128) throw new IllegalArgumentException("n must be between 1 and 128, got " + n);
        if (maxTokens != null && maxTokens < 1) throw new IllegalArgumentException("maxTokens must be at least 1, got " + maxTokens);
        if (temperature != null && (temperature < 0 || temperature > 2)) {
            throw new IllegalArgumentException("temperature must be between 0 and 2, got " + temperature);
        }
        if (topP != null && (topP <= 0 || topP > 1)) throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
        stop = stop == null ? List.of() : List.copyOf(stop);
        tools = tools == null ? List.of() : List.copyOf(tools);
        reasoning = reasoning == null ? Reasoning.DEFAULT : reasoning;
        extra = extra == null ? Map.of() : Map.copyOf(extra);
        cancellation = cancellation == null ? Cancellation.NONE : cancellation;
    }

    public static Builder builder() {
        return new Builder();
    }

    public static ChatRequest of(String userText) {
        return builder().user(userText).build();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.messages.addAll(messages);
        b.model = model;
        b.maxTokens = maxTokens;
        b.temperature = temperature;
        b.topP = topP;
        b.seed = seed;
        b.stop = stop;
        b.n = n;
        b.tools = tools;
        b.toolChoice = toolChoice;
        b.reasoning = reasoning;
        b.timeout = timeout;
        b.extra.putAll(extra);
        b.cancellation = cancellation;
        return b;
    }

    public static final class Builder {
        private final List<ChatMessage> messages = new ArrayList<>();
        private String model;
        private Integer maxTokens;
        private Double temperature;
        private Double topP;
        private Long seed;
        private List<String> stop = List.of();
        private int n = 1;
        private List<ToolSpec> tools = List.of();
        private String toolChoice;
        private Reasoning reasoning = Reasoning.DEFAULT;
        private Duration timeout;
        private final Map<String, Object> extra = new LinkedHashMap<>();
        private Cancellation cancellation = Cancellation.NONE;

        public Builder messages(List<ChatMessage> m) {
            messages.clear();
            messages.addAll(m);
            return this;
        }

        public Builder message(ChatMessage m) {
            messages.add(m);
            return this;
        }

        public Builder system(String text) {
            return message(ChatMessage.system(text));
        }

        public Builder user(String text) {
            return message(ChatMessage.user(text));
        }

        public Builder model(String v) {
            model = v;
            return this;
        }

        public Builder maxTokens(Integer v) {
            maxTokens = v;
            return this;
        }

        public Builder temperature(Double v) {
            temperature = v;
            return this;
        }

        public Builder topP(Double v) {
            topP = v;
            return this;
        }

        public Builder seed(Long v) {
            seed = v;
            return this;
        }

        public Builder stop(List<String> v) {
            stop = v;
            return this;
        }

        public Builder n(int v) {
            n = v;
            return this;
        }

        public Builder tools(List<ToolSpec> v) {
            tools = v;
            return this;
        }

        public Builder toolChoice(String v) {
            toolChoice = v;
            return this;
        }

        public Builder reasoning(Reasoning v) {
            reasoning = v;
            return this;
        }

        public Builder timeout(Duration v) {
            timeout = v;
            return this;
        }

        public Builder extra(String key, Object value) {
            extra.put(key, value);
            return this;
        }

        public Builder cancellation(Cancellation v) {
            cancellation = v;
            return this;
        }

        public ChatRequest build() {
            return new ChatRequest(messages, model, maxTokens, temperature, topP, seed, stop, n, tools, toolChoice,
                    reasoning, timeout, extra, cancellation);
        }
    }
}
