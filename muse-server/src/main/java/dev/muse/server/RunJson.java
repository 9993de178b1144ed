package dev.muse.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.muse.core.Consensus;
import dev.muse.core.StreamEvent;
import dev.muse.core.ToolCall;
import dev.muse.core.Usage;
import dev.muse.reasoning.AgentResult;
import dev.muse.reasoning.RunResult;
import dev.muse.reasoning.TraceNode;
import java.util.List;

/** JSON views of runs and events for the {@code muse} extension fields, the stored trace and the UI. */
final class RunJson {
    private RunJson() {}

    static ObjectNode usage(Usage u) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("prompt_tokens", u.inputTokens());
        o.put("completion_tokens", u.outputTokens());
        o.put("total_tokens", u.totalTokens());
        o.putObject("completion_tokens_details").put("reasoning_tokens", u.reasoningTokens());
        o.put("calls", u.calls());
        if (u.reasoningEstimated()) o.put("reasoning_estimated", true);
        return o;
    }

    static ObjectNode consensus(Consensus c) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("answer", c.answer());
        o.put("agreement", c.agreement());
        o.put("method", c.method());
        o.put("rationale", c.rationale());
        ArrayNode clusters = o.putArray("clusters");
        for (Consensus.Cluster cl : c.clusters()) {
            ObjectNode x = clusters.addObject();
            x.put("answer", cl.answer());
            x.put("normalized", cl.normalized());
            x.put("weight", cl.weight());
            ArrayNode ids = x.putArray("agents");
            cl.agentIds().forEach(ids::add);
        }
        return o;
    }

    static ObjectNode agent(AgentResult a) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("id", a.id());
        o.put("role", a.role());
        o.put("model", a.model());
        o.put("answer", a.answer());
        if (a.reasoning() != null && !a.reasoning().isEmpty()) o.put("reasoning", a.reasoning());
        o.set("usage", usage(a.usage() == null ? Usage.ZERO : a.usage()));
        o.put("elapsed_ms", a.elapsedMillis());
        if (a.error() != null) o.put("error", a.error());
        return o;
    }

    static ObjectNode trace(TraceNode n) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("id", n.id());
        o.put("kind", n.kind());
        o.put("label", n.label());
        if (n.model() != null) o.put("model", n.model());
        o.set("usage", usage(n.usage()));
        o.put("start_ms", n.startMillis());
        o.put("elapsed_ms", n.elapsedMillis());
        if (n.input() != null) o.put("input", n.input());
        if (n.output() != null) o.put("output", n.output());
        if (n.reasoning() != null && !n.reasoning().isEmpty()) o.put("reasoning", n.reasoning());
        if (n.error() != null) o.put("error", n.error());
        ArrayNode ch = o.putArray("children");
        for (TraceNode c : n.children()) ch.add(trace(c));
        return o;
    }

    static ArrayNode toolCalls(List<ToolCall> calls) {
        ArrayNode a = Json.MAPPER.createArrayNode();
        for (ToolCall c : calls) {
            ObjectNode o = a.addObject();
            o.put("id", c.id());
            o.put("name", c.name());
            o.put("arguments", c.argumentsJson());
        }
        return a;
    }

    /** What is stored per run and served (with the header fields) by GET /v1/muse/runs/{id}. */
    static ObjectNode result(RunResult r) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("reasoning_run_id", r.runId());
        o.put("answer", r.answer());
        if (!r.reasoning().isEmpty()) o.put("reasoning", r.reasoning());
        if (r.routeReason() != null) o.put("route_reason", r.routeReason());
        o.put("budget_exceeded", r.budgetExceeded());
        o.put("tokens_saved_by_early_stop", r.tokensSavedByEarlyStop());
        ArrayNode agents = o.putArray("agents");
        r.agents().forEach(a -> agents.add(agent(a)));
        if (r.consensus() != null) o.set("consensus", consensus(r.consensus()));
        ArrayNode notices = o.putArray("notices");
        r.notices().forEach(notices::add);
        o.set("client_tool_calls", toolCalls(r.clientToolCalls()));
        if (r.trace() != null) o.set("trace", trace(r.trace()));
        return o;
    }

    /** One event as the {@code muse} extension object of a stream chunk (null for events not shown). */
    static ObjectNode event(StreamEvent e) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        switch (e) {
            case StreamEvent.TextDelta d -> o.put("type", "agent_delta").put("agent", d.agentId()).put("text", d.text());
            case StreamEvent.ReasoningDelta d -> o.put("type", "agent_reasoning").put("agent", d.agentId()).put("text", d.text());
            case StreamEvent.ToolCallRequested t -> o.put("type", "tool_call").put("agent", t.agentId()).put("id", t.call().id())
                    .put("name", t.call().name()).put("arguments", t.call().argumentsJson());
            case StreamEvent.ToolResult t -> o.put("type", "tool_result").put("agent", t.agentId()).put("id", t.callId())
                    .put("name", t.toolName()).put("result", t.result()).put("error", t.error()).put("elapsed_ms", t.elapsedMillis());
            case StreamEvent.UsageReport u -> {
                o.put("type", "usage").put("agent", u.agentId());
                o.set("usage", usage(u.usage()));
            }
            case StreamEvent.Notice n -> o.put("type", "notice").put("agent", n.agentId()).put("message", n.message());
            case StreamEvent.AgentStarted a -> o.put("type", "agent_started").put("agent", a.agentId()).put("parent", a.parentId())
                    .put("role", a.role()).put("task", a.task());
            case StreamEvent.AgentFinished a -> {
                o.put("type", "agent_finished").put("agent", a.agentId()).put("answer", a.answer())
                        .put("elapsed_ms", a.elapsedMillis()).put("error", a.error());
                if (a.usage() != null) o.set("usage", usage(a.usage()));
            }
            case StreamEvent.Stage s -> o.put("type", "stage").put("agent", s.agentId()).put("name", s.name()).put("detail", s.detail());
            case StreamEvent.Refined r -> o.put("type", "refined").put("agent", r.agentId()).put("round", r.round()).put("after", r.after());
            case StreamEvent.Aggregated a -> {
                o.put("type", "consensus").put("agent", a.agentId());
                o.set("consensus", consensus(a.consensus()));
            }
            case StreamEvent.Done _ -> {
                return null;
            }
            case StreamEvent.Failed f -> o.put("type", "failed").put("agent", f.agentId()).put("message", f.message());
        }
        return o;
    }
}
