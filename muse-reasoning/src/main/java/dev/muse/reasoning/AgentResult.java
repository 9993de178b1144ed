package dev.muse.reasoning;

import dev.muse.core.Usage;

/**
 * One agent's part in a run.
 *
 * @param role "solver", "judge", "synthesizer", "router", "sub-agent"
 * @param model the backend name the agent ran on
 * @param answer the agent's extracted final answer, or null if it failed
 * @param error why the agent failed, or null
 */
public record AgentResult(
        String id, String role, String model, String answer, String reasoning, Usage usage, long elapsedMillis, String error) {}
