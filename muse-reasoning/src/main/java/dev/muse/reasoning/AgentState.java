package dev.muse.reasoning;

import dev.muse.core.Cancellation;
import dev.muse.core.ChatModel;
import dev.muse.core.Usage;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** One running agent: its identity, its own cancellation, its trace node and what it has spent. */
final class AgentState {
    final String id;
    final String parentId;
    final String role;
    final int depth;
    final ChatModel model;
    final Cancellation cancel;
    final Trace.Node node;
    /** The server-side tools this agent may call. */
    final List<String> toolNames;
    final long startNanos = System.nanoTime();
    final AtomicInteger calls = new AtomicInteger();
    final AtomicInteger subAgents = new AtomicInteger();
    final AtomicLong streamedTokens = new AtomicLong();
    final Set<String> requestedToolCalls = ConcurrentHashMap.newKeySet();
    private Usage usage = Usage.ZERO;
    /** Answer text streamed by a call that a budget cut short: the best this agent has so far. */
    volatile String partialAnswer = "";

    AgentState(String id, String parentId, String role, int depth, ChatModel model, Cancellation cancel,
            Trace.Node node, List<String> toolNames) {
        this.id = id;
        this.parentId = parentId;
        this.role = role;
        this.depth = depth;
        this.model = model;
        this.cancel = cancel;
        this.node = node;
        this.toolNames = List.copyOf(toolNames);
    }

    synchronized void addUsage(Usage u) {
        usage = usage.plus(u);
    }

    synchronized Usage usage() {
        return usage;
    }

    long elapsedMillis() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    /** "agent-3" → "3", "sub-1.2" → "1.2": the part sub-agent ids extend. */
    String idPath() {
        int dash = id.indexOf('-');
        return dash >= 0 ? id.substring(dash + 1) : id;
    }
}
