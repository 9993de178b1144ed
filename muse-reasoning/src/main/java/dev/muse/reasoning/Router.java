package dev.muse.reasoning;

import dev.muse.core.ChatMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Auto mode's router. A deterministic heuristic first (length, math, logic and code markers, requests for step by
 * step reasoning, multi-part questions); only when that is ambiguous does Muse ask the model for a one-word
 * classification ({@link #CLASSIFY_PROMPT}).
 */
final class Router {
    private Router() {}

    /**
     * A routing decision.
     *
     * @param ambiguous the heuristic could not decide with confidence; {@code mode} is its fallback
     */
    record Route(Mode mode, String reason, boolean ambiguous) {}

    static final String CLASSIFY_PROMPT = "Classify how much reasoning the question below needs. Reply with exactly one"
            + " word: 'instant' (a fact, a greeting, a simple rewrite or lookup), 'thinking' (a few steps of reasoning,"
            + " math, code or analysis) or 'contemplating' (a hard problem where several independent attempts help).";

    private static final Pattern ARITHMETIC = Pattern.compile("\\d\\s*[-+*/^×÷=<>]\\s*\\(?\\d");
    private static final Pattern MATH_WORDS = Pattern.compile(
            "\\b(solve|calculate|compute|integral|derivative|equation|probability|prove|proof|theorem|how many|how much"
                    + "|sum of|product of|remainder|divisible|prime|percent|ratio|average|expected value|minimum|maximum"
                    + "|optimi[sz]e)\\b");
    private static final Pattern LOGIC_WORDS = Pattern.compile(
            "\\b(puzzle|riddle|logic|deduce|infer|which of the following|paradox|contradiction|if and only if|constraint)\\b");
    private static final Pattern CODE_WORDS = Pattern.compile(
            "```|\\b(function|algorithm|implement|debug|refactor|complexity|regex|compile|stack trace|sql|java|python)\\b");
    private static final Pattern STEP_WORDS = Pattern.compile(
            "step by step|step-by-step|show your work|explain why|justify|reason carefully|think carefully|derive");
    private static final Pattern PARTS = Pattern.compile("(?m)^\\s*(?:\\(?[a-e1-9][).]|[-*])\\s+\\S");
    private static final Pattern CHOICES = Pattern.compile("(?s)\\(?[Aa][).].*\\(?[Bb][).].*\\(?[Cc][).]");

    /** Scores the question; see the class comment. */
    static Route heuristic(String question) {
        String q = question == null ? "" : question.strip();
        String lower = q.toLowerCase(Locale.ROOT);
        int score = 0;
        List<String> why = new ArrayList<>();
        if (q.length() > 600) {
            score += 2;
            why.add("long question");
        } else if (q.length() > 200) {
            score += 1;
            why.add("medium-length question");
        }
        if (ARITHMETIC.matcher(q).find() || MATH_WORDS.matcher(lower).find()) {
            score += 2;
            why.add("math");
        }
        if (LOGIC_WORDS.matcher(lower).find()) {
            score += 1;
            why.add("logic");
        }
        if (CODE_WORDS.matcher(lower).find()) {
            score += 1;
            why.add("code");
        }
        if (STEP_WORDS.matcher(lower).find()) {
            score += 2;
            why.add("asks for step-by-step reasoning");
        }
        long questions = q.chars().filter(c -> c == '?').count();
        if (questions >= 2 || PARTS.matcher(q).results().count() >= 2) {
            score += 1;
            why.add("several parts");
        }
        if (CHOICES.matcher(q).find()) {
            score += 1;
            why.add("multiple choice");
        }
        String reasons = String.join(", ", why);
        if (score == 0 && q.length() <= 200) {
            return new Route(Mode.INSTANT, "short question without math, logic or code markers", false);
        }
        if (score >= 4) return new Route(Mode.CONTEMPLATING, "hard: " + reasons + " (score " + score + ")", false);
        if (score >= 2) return new Route(Mode.THINKING, "needs reasoning: " + reasons + " (score " + score + ")", false);
        return new Route(Mode.THINKING, (reasons.isEmpty() ? "no clear markers" : reasons) + " (score " + score + ")", true);
    }

    /** The mode a classifier's reply names, or null if it named none. */
    static Mode parseClassification(String reply) {
        if (reply == null) return null;
        String r = reply.toLowerCase(Locale.ROOT);
        int best = Integer.MAX_VALUE;
        Mode mode = null;
        for (Mode m : List.of(Mode.INSTANT, Mode.THINKING, Mode.CONTEMPLATING)) {
            int at = r.indexOf(m.wireName());
            if (at >= 0 && at < best) {
                best = at;
                mode = m;
            }
        }
        return mode;
    }

    static List<ChatMessage> classifyMessages(String question) {
        return List.of(ChatMessage.system(CLASSIFY_PROMPT), ChatMessage.user(Trace.abbreviate(question, 4000)));
    }
}
