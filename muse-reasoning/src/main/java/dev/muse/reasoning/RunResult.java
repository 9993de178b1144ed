package dev.muse.reasoning;

import dev.muse.core.Consensus;
import dev.muse.core.ToolCall;
import dev.muse.core.Usage;
import java.util.List;

/**
 * What a run produced.
 *
 * @param answer the final answer text (for Contemplating, the aggregated or synthesised answer)
 * @param reasoning the reasoning behind the answer (Thinking: the agent's; Contemplating: empty or the synthesis's)
 * @param mode the mode that actually ran (Auto resolves to one of the others)
 * @param requestedMode the mode asked for
 * @param routeReason why Auto chose {@code mode}; null when not routed
 * @param usage every backend call of every agent, summed
 * @param consensus Contemplating's aggregation, or null in other modes
 * @param budgetExceeded true when a token or time budget cut the run short and this is the best answer so far
 * @param notices human-readable remarks: retries, failed agents, fallbacks, budget hits
 * @param clientToolCalls calls of caller-side tools the caller must execute (the run stopped there), else empty
 * @param tokensSavedByEarlyStop output tokens not spent because a quorum agreed early (an estimate)
 */
public record RunResult(
        String runId,
        String answer,
        String reasoning,
        Mode mode,
        Mode requestedMode,
        String routeReason,
        Usage usage,
        List<AgentResult> agents,
        Consensus consensus,
        long elapsedMillis,
        boolean budgetExceeded,
        List<String> notices,
        List<ToolCall> clientToolCalls,
        TraceNode trace,
        long tokensSavedByEarlyStop) {
    public RunResult {
        answer = answer == null ? "" : answer;
        reasoning = reasoning == null ? "" : reasoning;
        usage = usage == null ? Usage.ZERO : usage;
        agents = agents == null ? List.of() : List.copyOf(agents);
        notices = notices == null ? List.of() : List.copyOf(notices);
        clientToolCalls = clientToolCalls == null ? List.of() : List.copyOf(clientToolCalls);
    }
}
