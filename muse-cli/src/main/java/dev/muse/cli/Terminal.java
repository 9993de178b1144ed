package dev.muse.cli;

import dev.muse.reasoning.RunResult;
import java.util.Locale;

/** Small facts about the terminal and the one-line summary printed after an answer. */
final class Terminal {
    private Terminal() {}

    /** Colour only when a person is watching and has not asked for none (https://no-color.org). */
    static boolean colorOnStderr() {
        return System.console() != null && System.getenv("NO_COLOR") == null && !"dumb".equals(System.getenv("TERM"));
    }

    static String summary(RunResult r) {
        var u = r.usage();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "[%s%s · %d agent%s · in %d · out %d (reasoning %d%s) · %d call%s · %.1fs",
                r.mode().wireName(),
                r.requestedMode() != null && r.requestedMode() != r.mode() ? " via " + r.requestedMode().wireName() : "",
                Math.max(1, r.agents().size()), r.agents().size() == 1 ? "" : "s",
                u.inputTokens(), u.outputTokens(), u.reasoningTokens(), u.reasoningEstimated() ? " est." : "",
                u.calls(), u.calls() == 1 ? "" : "s", r.elapsedMillis() / 1000.0));
        if (r.consensus() != null) sb.append(String.format(Locale.ROOT, " · agreement %.0f%%", r.consensus().agreement() * 100));
        if (r.budgetExceeded()) sb.append(" · BUDGET EXCEEDED: best answer so far");
        sb.append("]");
        return sb.toString();
    }
}
