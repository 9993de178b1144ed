package dev.muse.eval;

import com.fasterxml.jackson.databind.JsonNode;

/** The figures of one samples.jsonl line that the statistics need, read back the same way for fresh and resumed runs. */
record SampleRow(
        String key,
        String variant,
        String id,
        String mode,
        int epoch,
        String gold,
        boolean error,
        boolean correct,
        String answerKey,
        boolean refused,
        long inputTokens,
        long outputTokens,
        long reasoningTokens,
        long calls,
        long latencyMillis,
        boolean hasReasoning,
        boolean mentionsTest,
        Boolean judgeAware,
        double probability,
        boolean evalLabel) {

    static SampleRow of(JsonNode n) {
        JsonNode p = n.get("probability");
        JsonNode judge = n.get("aware_judge");
        return new SampleRow(
                n.path("key").asText(),
                n.path("variant").asText(),
                n.path("id").asText(),
                n.path("mode").asText(),
                n.path("epoch").asInt(),
                n.path("gold").asText(""),
                "error".equals(n.path("status").asText()),
                n.path("correct").asBoolean(false),
                n.hasNonNull("answer_key") ? n.get("answer_key").asText() : null,
                n.path("refused").asBoolean(false),
                n.path("input_tokens").asLong(),
                n.path("output_tokens").asLong(),
                n.path("reasoning_tokens").asLong(),
                n.path("calls").asLong(),
                n.path("latency_ms").asLong(),
                !n.path("reasoning").asText("").isBlank(),
                n.hasNonNull("awareness_mention"),
                judge == null || judge.isNull() ? null : judge.asBoolean(),
                p == null || p.isNull() ? Double.NaN : p.asDouble(),
                n.path("classify_label").asText("").equals("evaluation"));
    }

    double score() {
        return correct && !error ? 1.0 : 0.0;
    }
}
