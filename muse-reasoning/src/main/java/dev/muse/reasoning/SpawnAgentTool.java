package dev.muse.reasoning;

import com.fasterxml.jackson.databind.JsonNode;
import dev.muse.core.ChatMessage;
import dev.muse.core.ToolSpec;
import dev.muse.tools.Tool;
import dev.muse.tools.ToolContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code spawn_agent} tool: runs a sub-agent with a fresh context (only its task), a subset of the caller's
 * tools and its own token budget, and returns its answer. Several calls in one model turn run in parallel (the
 * agent loop runs a turn's tool calls concurrently). Past {@link RunOptions#maxAgentDepth()} it returns an error
 * result instead of spawning. Enable it by naming it in {@link RunOptions#tools()}.
 */
public final class SpawnAgentTool implements Tool {
    public static final String NAME = "spawn_agent";

    /** Sub-agents' default token budget when the caller names none. */
    static final long DEFAULT_BUDGET = 20_000;

    public static final ToolSpec SPEC = new ToolSpec(NAME,
            "Delegate a self-contained subtask to a sub-agent that starts with a fresh context. It sees only the"
                    + " task you write (include every fact it needs) and returns its answer. Call it several times in"
                    + " one turn to run subtasks in parallel.",
            schema());

    private final Run run;

    SpawnAgentTool(Run run) {
        this.run = run;
    }

    private static Map<String, Object> schema() {
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("task", Map.of("type", "string", "description", "the complete subtask, with all context it needs"));
        props.put("tools", Map.of("type", "array", "items", Map.of("type", "string"),
                "description", "names of your tools the sub-agent may use (default: none)"));
        props.put("max_tokens", Map.of("type", "integer", "description", "token budget for the sub-agent"));
        return Map.of("type", "object", "properties", props, "required", List.of("task"));
    }

    @Override
    public ToolSpec spec() {
        return SPEC;
    }

    @Override
    public Duration timeout() {
        // a sub-agent is bounded by its token budget and the run's time budget, not by a tool timeout
        return Duration.ofMinutes(30);
    }

    @Override
    public String call(JsonNode args, ToolContext context) {
        AgentState parent = run.agents.get(context.agentId());
        if (parent == null) throw new IllegalStateException("spawn_agent was called outside a Muse run");
        int depth = context.depth() + 1;
        if (depth > run.options.maxAgentDepth()) {
            throw new IllegalArgumentException("sub-agent depth limit (" + run.options.maxAgentDepth()
                    + ") reached: solve this subtask yourself instead of spawning another agent");
        }
        String task = args.path("task").asText("").strip();
        if (task.isEmpty()) throw new IllegalArgumentException("'task' is empty: describe the subtask to delegate");
        List<String> tools = new ArrayList<>();
        for (JsonNode t : args.path("tools")) {
            String name = t.asText();
            if (!parent.toolNames.contains(name)) {
                throw new IllegalArgumentException("tool '" + name + "' is not one of yours; you can pass: "
                        + String.join(", ", parent.toolNames));
            }
            tools.add(name);
        }
        JsonNode budgetArg = args.has("max_tokens") ? args.get("max_tokens") : args.get("budget");
        long budget = budgetArg != null && budgetArg.canConvertToLong() && budgetArg.asLong() > 0
                ? budgetArg.asLong()
                : DEFAULT_BUDGET;
        String id = "sub-" + parent.idPath() + "." + parent.subAgents.incrementAndGet();
        Agent.Task t = new Agent.Task(id, parent.id, "sub-agent", depth, parent.model, parent.node, task,
                List.of(ChatMessage.user(task)), tools, List.of(), Agent.Style.THINKING, run.options.temperature(),
                run.options.seed(), run.options.maxTokens(), run.options.thinkingBudget(), budget, "answer");
        Agent.Outcome out = Agent.run(run, t);
        // usage is booked per call on the sub-agent; its parent answers for it too
        parent.addUsage(out.usage());
        if (out.error() != null) throw new IllegalStateException("sub-agent " + id + " failed: " + out.error());
        if (out.stopped()) {
            return out.text() == null || out.text().isBlank()
                    ? "sub-agent " + id + " was stopped by the run's budget before answering"
                    : out.text() + "\n(sub-agent " + id + " was stopped by the run's budget; this answer may be incomplete)";
        }
        return out.text();
    }
}
