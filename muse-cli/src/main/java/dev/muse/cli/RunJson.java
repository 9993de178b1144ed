package dev.muse.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.muse.core.Consensus;
import dev.muse.core.Usage;
import dev.muse.reasoning.AgentResult;
import dev.muse.reasoning.RunResult;

/** The {@code --json} shape of {@code muse ask}: stable snake_case keys that scripts can read. */
final class RunJson {
    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private RunJson() {}

    static ObjectNode of(RunResult r) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("answer", r.answer());
        o.put("mode", r.mode().wireName());
        if (r.requestedMode() != null && r.requestedMode() != r.mode()) o.put("requested_mode", r.requestedMode().wireName());
        if (r.routeReason() != null) o.put("route_reason", r.routeReason());
        if (!r.reasoning().isEmpty()) o.put("reasoning", r.reasoning());
        o.set("usage", usage(r.usage()));
        ArrayNode agents = o.putArray("agents");
        for (AgentResult a : r.agents()) {
            ObjectNode n = agents.addObject();
            n.put("id", a.id());
            n.put("role", a.role());
            if (a.model() != null) n.put("model", a.model());
            n.put("answer", a.answer());
            if (a.error() != null) n.put("error", a.error());
            n.set("usage", usage(a.usage()));
            n.put("elapsed_ms", a.elapsedMillis());
        }
        if (r.consensus() != null) o.set("consensus", consensus(r.consensus()));
        else o.putNull("consensus");
        o.put("elapsed_ms", r.elapsedMillis());
        o.put("run_id", r.runId());
        o.put("budget_exceeded", r.budgetExceeded());
        if (r.tokensSavedByEarlyStop() > 0) o.put("tokens_saved_by_early_stop", r.tokensSavedByEarlyStop());
        ArrayNode notices = o.putArray("notices");
        r.notices().forEach(notices::add);
        return o;
    }

    static ObjectNode usage(Usage u) {
        ObjectNode n = MAPPER.createObjectNode();
        if (u == null) u = Usage.ZERO;
        n.put("input_tokens", u.inputTokens());
        n.put("output_tokens", u.outputTokens());
        n.put("reasoning_tokens", u.reasoningTokens());
        if (u.reasoningEstimated()) n.put("reasoning_tokens_estimated", true);
        n.put("calls", u.calls());
        return n;
    }

    static ObjectNode consensus(Consensus c) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("answer", c.answer());
        n.put("agreement", c.agreement());
        n.put("method", c.method());
        if (c.rationale() != null) n.put("rationale", c.rationale());
        ArrayNode clusters = n.putArray("clusters");
        for (Consensus.Cluster cl : c.clusters()) {
            ObjectNode k = clusters.addObject();
            k.put("answer", cl.answer());
            k.put("normalized", cl.normalized());
            ArrayNode ids = k.putArray("agents");
            cl.agentIds().forEach(ids::add);
            k.put("weight", cl.weight());
        }
        return n;
    }
}
