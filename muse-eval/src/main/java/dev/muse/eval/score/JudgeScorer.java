package dev.muse.eval.score;

import dev.muse.core.ChatModel;
import dev.muse.core.ChatRequest;
import dev.muse.core.Reasoning;
import java.util.Locale;

/**
 * Asks a judge model whether an answer matches a reference, for answers plain code cannot check. The prompt is
 * fixed and published in results.json ({@link #PROMPT}) so a reader can judge the judge.
 */
public final class JudgeScorer {
    public static final String PROMPT = """
            You are grading an answer to a question against a reference answer.
            Decide whether the candidate answer means the same as the reference (wording may differ; extra \
            explanation is fine; a different or hedged final answer is not).

            Question:
            {question}

            Reference answer:
            {reference}

            Candidate answer:
            {answer}

            Reply with one word: CORRECT or INCORRECT.""";

    private final ChatModel judge;

    public JudgeScorer(ChatModel judge) {
        this.judge = judge;
    }

    public Score score(String question, String reference, String answer) {
        boolean refused = RefusalDetector.refuses(answer);
        if (answer == null || answer.isBlank()) return new Score(false, null, null, true, "empty answer");
        String prompt = PROMPT.replace("{question}", question).replace("{reference}", reference).replace("{answer}", answer);
        String verdict = judge.chat(ChatRequest.builder().user(prompt).temperature(0.0).maxTokens(16).reasoning(Reasoning.OFF).build())
                .text().strip().toUpperCase(Locale.ROOT);
        boolean correct = verdict.startsWith("CORRECT") || verdict.matches("(?s)^\\W*CORRECT.*");
        boolean incorrect = verdict.contains("INCORRECT");
        String key = answer.strip().toLowerCase(Locale.ROOT);
        return new Score(correct && !incorrect, answer.strip(), key, refused, "judge: " + (verdict.isEmpty() ? "(empty)" : verdict.lines().findFirst().orElse("")));
    }
}
