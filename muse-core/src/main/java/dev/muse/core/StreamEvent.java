package dev.muse.core;

/**
 * Everything a run reports while it happens. Backends emit the deltas and usage with a null {@code agentId}; the
 * reasoning layer tags them with the agent they belong to and adds the orchestration events. The CLI, the
 * server's SSE stream, the web page, stored traces and the eval log all consume this one set.
 */
public sealed interface StreamEvent {

    /** The agent the event belongs to, or null for a bare backend call or the run as a whole. */
    String agentId();

    /** A piece of answer text of sample {@code choice}. */
    record TextDelta(String agentId, int choice, String text) implements StreamEvent {}

    /** A piece of reasoning of sample {@code choice}. */
    record ReasoningDelta(String agentId, int choice, String text) implements StreamEvent {}

    /** A tool call the model has finished writing (arguments complete). */
    record ToolCallRequested(String agentId, int choice, ToolCall call) implements StreamEvent {}

    /** What a tool returned (or the error reported back to the model). */
    record ToolResult(String agentId, String callId, String toolName, String result, boolean error, long elapsedMillis)
            implements StreamEvent {}

    /** The usage of one backend call, reported when the call ends. */
    record UsageReport(String agentId, Usage usage) implements StreamEvent {}

    /** Something worth telling the user that is not an error of the run: a retry, a fallback, a budget hit. */
    record Notice(String agentId, String message) implements StreamEvent {}

    /** An agent (a Contemplating solver, a sub-agent, a judge) started. */
    record AgentStarted(String agentId, String parentId, String role, String task) implements StreamEvent {}

    /** An agent finished, with its final answer (null if it failed, then {@code error} says why). */
    record AgentFinished(String agentId, String answer, Usage usage, long elapsedMillis, String error)
            implements StreamEvent {}

    /** A stage of a mode began: "solve", "refine", "aggregate", "route", "synthesize". */
    record Stage(String agentId, String name, String detail) implements StreamEvent {}

    /** An agent revised its own answer in self-refinement round {@code round}. */
    record Refined(String agentId, int round, String before, String after) implements StreamEvent {}

    /** Contemplating combined its agents' answers. */
    record Aggregated(String agentId, Consensus consensus) implements StreamEvent {}

    /** The run ended with an answer. */
    record Done(String agentId, String answer, Usage usage, long elapsedMillis) implements StreamEvent {}

    /** The run (or one agent, when agentId is set) failed. */
    record Failed(String agentId, String message) implements StreamEvent {}

    /** The same event attributed to {@code id}; orchestration events keep their own agent. */
    static StreamEvent tag(StreamEvent e, String id) {
        return switch (e) {
            case TextDelta d when d.agentId() == null -> new TextDelta(id, d.choice(), d.text());
            case ReasoningDelta d when d.agentId() == null -> new ReasoningDelta(id, d.choice(), d.text());
            case ToolCallRequested t when t.agentId() == null -> new ToolCallRequested(id, t.choice(), t.call());
            case UsageReport u when u.agentId() == null -> new UsageReport(id, u.usage());
            case Notice n when n.agentId() == null -> new Notice(id, n.message());
            default -> e;
        };
    }
}
