package dev.muse.reasoning;

import dev.muse.core.ToolSpec;
import java.time.Duration;
import java.util.List;

/**
 * How one run should go. Nulls mean "Muse's default".
 *
 * @param agents Contemplating's agent count, 1..32 (default 4)
 * @param refineRounds Contemplating's self-refinement rounds, 0..5 (default 1)
 * @param thinkingBudget reasoning tokens per agent before budget forcing asks for the answer
 * @param maxTokens output cap per backend call
 * @param tokenBudget total tokens (input + output, every call of every agent) for the run; past it the best answer
 *     so far is returned and flagged
 * @param timeBudget wall time for the run; past it the best answer so far is returned and flagged
 * @param tools names of Muse's own tools to enable (server-side tools)
 * @param clientTools tools the caller executes itself: when the model calls one, the run stops and returns the calls
 * @param earlyStop stop Contemplating's remaining work once a quorum of agents agrees
 */
public record RunOptions(
        Mode mode,
        int agents,
        int refineRounds,
        Integer thinkingBudget,
        Integer maxTokens,
        Long tokenBudget,
        Duration timeBudget,
        List<String> tools,
        List<ToolSpec> clientTools,
        Double temperature,
        Long seed,
        int maxToolSteps,
        int maxAgentDepth,
        boolean earlyStop) {

    public static final int MAX_AGENTS = 32;

    public RunOptions {
        mode = mode == null ? Mode.AUTO : mode;
        if (agents < 1 || agents > MAX_AGENTS) {
            throw new IllegalArgumentException("agents must be between 1 and " + MAX_AGENTS + ", got " + agents);
        }
        if (refineRounds < 0 || refineRounds > 5) {
            throw new IllegalArgumentException("refine rounds must be between 0 and 5, got " + refineRounds);
        }
        if (thinkingBudget != null && thinkingBudget < 16) {
            throw new IllegalArgumentException("thinking budget must be at least 16 tokens, got " + thinkingBudget);
        }
        if (maxTokens != null && maxTokens < 1) throw new IllegalArgumentException("max tokens must be at least 1, got " + maxTokens);
        if (tokenBudget != null && tokenBudget < 1) throw new IllegalArgumentException("token budget must be positive, got " + tokenBudget);
        if (timeBudget != null && (timeBudget.isNegative() || timeBudget.isZero())) {
            throw new IllegalArgumentException("time budget must be positive, got " + timeBudget);
        }
        if (maxToolSteps < 1) throw new IllegalArgumentException("max tool steps must be at least 1, got " + maxToolSteps);
        if (maxAgentDepth < 0) throw new IllegalArgumentException("max agent depth cannot be negative, got " + maxAgentDepth);
        tools = tools == null ? List.of() : List.copyOf(tools);
        clientTools = clientTools == null ? List.of() : List.copyOf(clientTools);
    }

    public static RunOptions defaults() {
        return new RunOptions(Mode.AUTO, 4, 1, null, null, null, null, List.of(), List.of(), null, null, 8, 2, true);
    }

    public static RunOptions of(Mode mode) {
        return defaults().withMode(mode);
    }

    public RunOptions withMode(Mode v) {
        return new RunOptions(v, agents, refineRounds, thinkingBudget, maxTokens, tokenBudget, timeBudget, tools, clientTools, temperature, seed, maxToolSteps, maxAgentDepth, earlyStop);
    }

    public RunOptions withAgents(int v) {
        return new RunOptions(mode, v, refineRounds, thinkingBudget, maxTokens, tokenBudget, timeBudget, tools, clientTools, temperature, seed, maxToolSteps, maxAgentDepth, earlyStop);
    }

    public RunOptions withRefineRounds(int v) {
        return new RunOptions(mode, agents, v, thinkingBudget, maxTokens, tokenBudget, timeBudget, tools, clientTools, temperature, seed, maxToolSteps, maxAgentDepth, earlyStop);
    }

    public RunOptions withThinkingBudget(Integer v) {
        return new RunOptions(mode, agents, refineRounds, v, maxTokens, tokenBudget, timeBudget, tools, clientTools, temperature, seed, maxToolSteps, maxAgentDepth, earlyStop);
    }

    public RunOptions withMaxTokens(Integer v) {
        return new RunOptions(mode, agents, refineRounds, thinkingBudget, v, tokenBudget, timeBudget, tools, clientTools, temperature, seed, maxToolSteps, maxAgentDepth, earlyStop);
    }

    public RunOptions withTokenBudget(Long v) {
        return new RunOptions(mode, agents, refineRounds, thinkingBudget, maxTokens, v, timeBudget, tools, clientTools, temperature, seed, maxToolSteps, maxAgentDepth, earlyStop);
    }

    public RunOptions withTimeBudget(Duration v) {
        return new RunOptions(mode, agents, refineRounds, thinkingBudget, maxTokens, tokenBudget, v, tools, clientTools, temperature, seed, maxToolSteps, maxAgentDepth, earlyStop);
    }

    public RunOptions withTools(List<String> v) {
        return new RunOptions(mode, agents, refineRounds, thinkingBudget, maxTokens, tokenBudget, timeBudget, v, clientTools, temperature, seed, maxToolSteps, maxAgentDepth, earlyStop);
    }

    public RunOptions withClientTools(List<ToolSpec> v) {
        return new RunOptions(mode, agents, refineRounds, thinkingBudget, maxTokens, tokenBudget, timeBudget, tools, v, temperature, seed, maxToolSteps, maxAgentDepth, earlyStop);
    }

    public RunOptions withTemperature(Double v) {
        return new RunOptions(mode, agents, refineRounds, thinkingBudget, maxTokens, tokenBudget, timeBudget, tools, clientTools, v, seed, maxToolSteps, maxAgentDepth, earlyStop);
    }

    public RunOptions withSeed(Long v) {
        return new RunOptions(mode, agents, refineRounds, thinkingBudget, maxTokens, tokenBudget, timeBudget, tools, clientTools, temperature, v, maxToolSteps, maxAgentDepth, earlyStop);
    }

    public RunOptions withMaxToolSteps(int v) {
        return new RunOptions(mode, agents, refineRounds, thinkingBudget, maxTokens, tokenBudget, timeBudget, tools, clientTools, temperature, seed, v, maxAgentDepth, earlyStop);
    }

    public RunOptions withMaxAgentDepth(int v) {
        return new RunOptions(mode, agents, refineRounds, thinkingBudget, maxTokens, tokenBudget, timeBudget, tools, clientTools, temperature, seed, maxToolSteps, v, earlyStop);
    }

    public RunOptions withEarlyStop(boolean v) {
        return new RunOptions(mode, agents, refineRounds, thinkingBudget, maxTokens, tokenBudget, timeBudget, tools, clientTools, temperature, seed, maxToolSteps, maxAgentDepth, v);
    }
}
