package dev.muse.testkit;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A stand-in "model" that knows the answers to a set of questions and gets each one right with probability
 * {@code accuracy}, independently per sample. It finds which key question occurs in the conversation (the longest
 * match wins), writes a little reasoning, and ends its content with a line {@code Final answer: X}.
 *
 * <p>Thread-safe and seeded: the k-th sample served draws from a generator seeded by {@code (seed, k)}, so a
 * sequential run is reproducible and concurrent runs still get independent draws with the right probability —
 * what a statistical test of aggregation needs. Wrong answers come from a {@link WrongAnswers} generator; the
 * default spreads them over several plausible values so that they rarely agree with each other.
 */
public final class NoisySolver implements Responder {

    /** Makes a plausible wrong answer for a question. Must never return the correct answer. */
    @FunctionalInterface
    public interface WrongAnswers {
        String wrong(String question, String correct, SplittableRandom random);
    }

    private final Map<String, String> answerKey;
    private final List<String> questionsLongestFirst;
    private final double accuracy;
    private final long seed;
    private final WrongAnswers wrongAnswers;
    private volatile ReasoningShape reasoningShape = ReasoningShape.REASONING_CONTENT;
    private final AtomicLong draws = new AtomicLong();
    private final AtomicInteger correct = new AtomicInteger();
    private final AtomicInteger wrong = new AtomicInteger();
    private final AtomicInteger unknown = new AtomicInteger();

    public NoisySolver(Map<String, String> answerKey, double accuracy, long seed) {
        this(answerKey, accuracy, seed, NoisySolver::plausibleWrong);
    }

    public NoisySolver(Map<String, String> answerKey, double accuracy, long seed, WrongAnswers wrongAnswers) {
        if (answerKey == null || answerKey.isEmpty()) throw new IllegalArgumentException("the answer key needs at least one question");
        if (!(accuracy >= 0 && accuracy <= 1)) throw new IllegalArgumentException("accuracy must be between 0 and 1, got " + accuracy);
        this.answerKey = Map.copyOf(new LinkedHashMap<>(answerKey));
        this.questionsLongestFirst = new ArrayList<>(answerKey.keySet());
        this.questionsLongestFirst.sort(Comparator.comparingInt(String::length).reversed());
        this.accuracy = accuracy;
        this.seed = seed;
        this.wrongAnswers = Objects.requireNonNull(wrongAnswers, "wrongAnswers");
    }

    /** Where the reasoning goes (default {@code reasoning_content}); the Anthropic stand-in always uses thinking blocks. */
    public NoisySolver reasoningShape(ReasoningShape shape) {
        this.reasoningShape = Objects.requireNonNull(shape);
        return this;
    }

    @Override
    public Reply reply(RecordedRequest request) {
        // the latest user turn that names a known question decides, as a solver answers the question just asked
        // (refinement and judge turns quote no new question, so the search goes back to the one they are about)
        String question = null;
        List<RecordedRequest.Message> messages = request.messages();
        for (int i = messages.size() - 1; i >= 0 && question == null; i--) {
            if (messages.get(i).role().equals("user")) question = knownQuestionIn(messages.get(i).text());
        }
        if (question == null) question = knownQuestionIn(request.allText());
        if (question == null) {
            unknown.incrementAndGet();
            return Reply.text("I cannot tell which question this is.\nFinal answer: unknown");
        }
        String right = answerKey.get(question);
        SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + draws.getAndIncrement());
        String answer;
        if (rng.nextDouble() < accuracy) {
            correct.incrementAndGet();
            answer = right;
        } else {
            wrong.incrementAndGet();
            answer = wrongAnswers.wrong(question, right, rng);
            if (answer == null || answer.equals(right)) {
                throw new IllegalStateException("the wrong-answer generator returned the correct answer for: " + question);
            }
        }
        String reasoning = "The question asks: " + question + " Let me work through it step by step. "
                + "Checking the arithmetic once more, I get " + answer + ".";
        return Reply.text("Working through it carefully, the result is " + answer + ".\nFinal answer: " + answer)
                .withReasoning(reasoning, reasoningShape);
    }

    private String knownQuestionIn(String text) {
        for (String q : questionsLongestFirst) {
            if (text.contains(q)) return q;
        }
        return null;
    }

    /** Samples answered correctly so far. */
    public int correctServed() {
        return correct.get();
    }

    /** Samples answered wrongly so far. */
    public int wrongServed() {
        return wrong.get();
    }

    /** Requests in which no key question was found. */
    public int unknownServed() {
        return unknown.get();
    }

    public double accuracy() {
        return accuracy;
    }

    /**
     * The default wrong answers: an integer or decimal is off by 1..9 units either way; a multiple-choice letter
     * (A–E) becomes another letter; yes/no flips; other text gets a numbered variant.
     */
    public static String plausibleWrong(String question, String correct, SplittableRandom random) {
        String c = correct.strip();
        int offset = (1 + random.nextInt(9)) * (random.nextBoolean() ? 1 : -1);
        if (c.matches("-?\\d+")) return new java.math.BigInteger(c).add(java.math.BigInteger.valueOf(offset)).toString();
        if (c.matches("-?\\d+\\.\\d+")) {
            BigDecimal d = new BigDecimal(c);
            return d.add(BigDecimal.ONE.movePointLeft(d.scale()).multiply(BigDecimal.valueOf(offset))).toPlainString();
        }
        if (c.matches("[A-E]")) {
            char other;
            do {
                other = (char) ('A' + random.nextInt(5));
            } while (other == c.charAt(0));
            return String.valueOf(other);
        }
        if (c.equalsIgnoreCase("yes")) return "no";
        if (c.equalsIgnoreCase("no")) return "yes";
        return c + " " + (1 + random.nextInt(9));
    }
}
