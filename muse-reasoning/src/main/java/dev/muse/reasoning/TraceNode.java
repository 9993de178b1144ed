package dev.muse.reasoning;

import dev.muse.core.Usage;
import java.util.List;

/**
 * One node of a run's trace tree: the run, a stage, an agent, a backend call or a tool call.
 *
 * @param kind "run", "stage", "agent", "call", "tool"
 * @param startMillis offset from the run's start
 * @param input what went in (a prompt summary, tool arguments)
 * @param output what came out (answer text, tool result)
 */
public record TraceNode(
        String id,
        String kind,
        String label,
        String model,
        Usage usage,
        long startMillis,
        long elapsedMillis,
        String input,
        String output,
        String reasoning,
        String error,
        List<TraceNode> children) {
    public TraceNode {
        usage = usage == null ? Usage.ZERO : usage;
        children = children == null ? List.of() : List.copyOf(children);
    }
}
