package dev.muse.server;

import dev.muse.core.StreamEvent;
import dev.muse.reasoning.Mode;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Decides which events of a run are the answer a standard client shows ({@code content} and
 * {@code reasoning_content}) and which are progress for the {@code muse} extension field.
 *
 * <p>The answering agent is the one top-level agent of a single-agent run (Instant, Thinking, or Auto routed to
 * one of them), or Contemplating's synthesiser. Solvers of a multi-agent run, routers, judges and sub-agents go
 * to the extension; the final answer of a run whose text did not stream as content is sent when the run ends.
 */
final class AnswerRouter {
    enum Target {
        CONTENT,
        REASONING,
        EXTENSION,
        DROP
    }

    private final Map<String, String> roles = new HashMap<>();
    private final Map<String, String> parents = new HashMap<>();
    private boolean multiAgent;
    private String answering;
    private final StringBuilder streamed = new StringBuilder();

    AnswerRouter(Mode requested) {
        multiAgent = requested == Mode.CONTEMPLATING;
    }

    Target route(StreamEvent e) {
        return switch (e) {
            case StreamEvent.AgentStarted a -> {
                roles.put(a.agentId(), a.role() == null ? "" : a.role());
                if (a.parentId() != null) parents.put(a.agentId(), a.parentId());
                yield Target.EXTENSION;
            }
            case StreamEvent.Stage s -> {
                String name = s.name() == null ? "" : s.name().toLowerCase(Locale.ROOT);
                String detail = s.detail() == null ? "" : s.detail().toLowerCase(Locale.ROOT);
                if (name.equals("solve") && multiAgentDetail(detail) || name.equals("aggregate") || name.equals("refine")
                        || (name.equals("route") && detail.contains("contemplating"))) {
                    multiAgent = true;
                }
                yield Target.EXTENSION;
            }
            case StreamEvent.TextDelta d -> isAnswering(d.agentId()) ? append(d.text()) : Target.EXTENSION;
            case StreamEvent.ReasoningDelta d -> isAnswering(d.agentId()) ? Target.REASONING : Target.EXTENSION;
            case StreamEvent.Done _ -> Target.DROP;
            case StreamEvent.UsageReport _ -> Target.DROP;
            case StreamEvent.ToolCallRequested _, StreamEvent.ToolResult _, StreamEvent.Notice _,
                    StreamEvent.AgentFinished _, StreamEvent.Refined _, StreamEvent.Aggregated _, StreamEvent.Failed _ ->
                    Target.EXTENSION;
        };
    }

    private static boolean multiAgentDetail(String detail) {
        // "4 agents", "agents=4": more than one solver
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)").matcher(detail);
        return !m.find() || Integer.parseInt(m.group(1)) > 1;
    }

    private Target append(String text) {
        streamed.append(text);
        return Target.CONTENT;
    }

    private boolean isAnswering(String agentId) {
        if (agentId == null) return !multiAgent && answering == null;
        if (agentId.equals(answering)) return true;
        String role = roles.getOrDefault(agentId, "");
        if (parents.containsKey(agentId) || role.equals("router") || role.equals("judge")) return false;
        if (role.equals("synthesizer") || role.equals("synthesiser")) {
            if (answering == null || multiAgent) {
                answering = agentId;
                return true;
            }
            return false;
        }
        if (multiAgent) return false;
        if (answering == null) {
            answering = agentId;
            return true;
        }
        return false;
    }

    /** What is left to send as content when the run ends with {@code answer}. */
    String remainder(String answer) {
        String sent = streamed.toString();
        if (sent.isEmpty()) return answer;
        if (answer.startsWith(sent)) return answer.substring(sent.length());
        return "";
    }
}
