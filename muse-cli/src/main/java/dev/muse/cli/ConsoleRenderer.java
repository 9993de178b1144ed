package dev.muse.cli;

import dev.muse.core.StreamEvent;
import dev.muse.core.StreamListener;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Shows a run as it happens on stderr: agents starting and finishing, reasoning dimmed, tool calls, refinement and
 * the consensus. With one agent it streams the reasoning text; with many it shows one line of progress per event so
 * parallel agents stay readable. The answer itself goes to stdout, printed by the command.
 */
final class ConsoleRenderer implements StreamListener {
    private static final String DIM = "\u001b[2m";
    private static final String BOLD = "\u001b[1m";
    private static final String CYAN = "\u001b[36m";
    private static final String YELLOW = "\u001b[33m";
    private static final String RESET = "\u001b[0m";

    private final PrintStream err;
    private final boolean color;
    private final boolean quiet;
    private volatile String streamingAgent;
    private volatile boolean midLine;
    private int agentsStarted;

    ConsoleRenderer(PrintStream err, boolean color, boolean quiet) {
        this.err = err;
        this.color = color;
        this.quiet = quiet;
    }

    @Override
    public synchronized void on(StreamEvent e) {
        if (quiet) return;
        switch (e) {
            case StreamEvent.ReasoningDelta d -> {
                if (agentsStarted <= 1) {
                    if (!java.util.Objects.equals(d.agentId(), streamingAgent)) {
                        newLine();
                        streamingAgent = d.agentId();
                    }
                    err.print(paint(DIM, d.text()));
                    midLine = !d.text().endsWith("\n");
                }
            }
            case StreamEvent.TextDelta d -> {
                // the answer is printed on stdout at the end; nothing to do here
            }
            case StreamEvent.AgentStarted a -> {
                agentsStarted++;
                line(paint(CYAN, "▶ " + a.agentId()) + paint(DIM, " " + a.role() + (a.task() == null ? "" : ": " + abbreviate(a.task(), 80))));
            }
            case StreamEvent.AgentFinished a -> {
                String what = a.error() != null
                        ? paint(YELLOW, "failed: " + a.error())
                        : "answer " + paint(BOLD, abbreviate(oneLine(a.answer()), 60));
                line(paint(CYAN, "■ " + a.agentId()) + " " + what + paint(DIM, String.format(Locale.ROOT,
                        "  (%d out tok, %.1fs)", a.usage() == null ? 0 : a.usage().outputTokens(), a.elapsedMillis() / 1000.0)));
            }
            case StreamEvent.ToolCallRequested t ->
                line(paint(YELLOW, "⚙ " + t.agentId() + " calls " + t.call().name()) + paint(DIM, " " + abbreviate(t.call().argumentsJson(), 100)));
            case StreamEvent.ToolResult r ->
                line(paint(r.error() ? YELLOW : DIM, "  ↳ " + r.toolName() + (r.error() ? " error: " : ": ") + abbreviate(oneLine(r.result()), 100)));
            case StreamEvent.Stage s -> line(paint(BOLD, "── " + s.name()) + (s.detail() == null ? "" : paint(DIM, " " + s.detail())));
            case StreamEvent.Refined r -> line(paint(DIM, "↻ " + r.agentId() + " round " + r.round() + ": "
                    + (sameAnswer(r.before(), r.after()) ? "kept its answer" : "revised → " + abbreviate(oneLine(r.after()), 60))));
            case StreamEvent.Aggregated a -> {
                var c = a.consensus();
                line(paint(BOLD, String.format(Locale.ROOT, "≡ consensus %.0f%% (%s): ", c.agreement() * 100, c.method()))
                        + abbreviate(oneLine(c.answer()), 60));
                for (var cl : c.clusters()) {
                    line(paint(DIM, String.format(Locale.ROOT, "   %-24s %s", abbreviate(oneLine(cl.answer()), 24), cl.agentIds())));
                }
            }
            case StreamEvent.Notice n -> line(paint(YELLOW, "! " + (n.agentId() == null ? "" : n.agentId() + ": ") + n.message()));
            case StreamEvent.Failed f -> line(paint(YELLOW, "✗ " + (f.agentId() == null ? "" : f.agentId() + ": ") + f.message()));
            case StreamEvent.UsageReport u -> {}
            case StreamEvent.Done d -> newLine();
        }
        err.flush();
    }

    private static boolean sameAnswer(String a, String b) {
        return a != null && a.strip().equals(b == null ? null : b.strip());
    }

    private void line(String s) {
        newLine();
        err.println(s);
    }

    private void newLine() {
        if (midLine) {
            err.println();
            midLine = false;
        }
        streamingAgent = null;
    }

    private String paint(String code, String s) {
        return color ? code + s + RESET : s;
    }

    static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s+", " ").strip();
    }

    static String abbreviate(String s, int max) {
        if (s == null) return "";
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
