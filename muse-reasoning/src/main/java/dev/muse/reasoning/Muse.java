package dev.muse.reasoning;

import dev.muse.core.Cancellation;
import dev.muse.core.ChatMessage;
import dev.muse.core.ChatModel;
import dev.muse.core.Consensus;
import dev.muse.core.ModelException;
import dev.muse.core.Role;
import dev.muse.core.StreamEvent;
import dev.muse.core.StreamListener;
import dev.muse.core.ToolCall;
import dev.muse.tools.ToolRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The entry point of the reasoning core: runs a conversation in a mode over a {@link ChatModel} and tools,
 * streaming events to a listener, and returns the answer with its trace and usage.
 */
public final class Muse {
    /** Instant's output cap when the caller sets none. */
    public static final int INSTANT_MAX_TOKENS = 1024;

    static final int ROUTER_MAX_TOKENS = 8;

    private final ChatModel model;
    private final List<ChatModel> agentModels;
    private final ChatModel judge;
    private final ToolRegistry tools;

    private Muse(Builder b) {
        this.model = Objects.requireNonNull(b.model, "a Muse needs a model");
        this.agentModels = b.agentModels == null ? List.of() : List.copyOf(b.agentModels);
        this.judge = b.judge;
        this.tools = b.tools == null ? ToolRegistry.of(List.of()) : b.tools;
    }

    public static Builder builder() {
        return new Builder();
    }

    public ChatModel model() {
        return model;
    }

    public ToolRegistry tools() {
        return tools;
    }

    /** The mixture of models for Contemplating's agents; empty when every agent uses {@link #model()}. */
    public List<ChatModel> agentModels() {
        return agentModels;
    }

    /** The judge model, or null. */
    public ChatModel judge() {
        return judge;
    }

    /** Names of every tool a run can enable in {@link RunOptions#tools()}: the registry's plus spawn_agent. */
    public List<String> availableTools() {
        List<String> names = new ArrayList<>();
        tools.all().forEach(t -> names.add(t.name()));
        if (!names.contains(SpawnAgentTool.NAME)) names.add(SpawnAgentTool.NAME);
        return names;
    }

    /**
     * Runs {@code conversation} (ending with the user's turn, or with tool results for caller-side tools) in
     * {@code options.mode()}, streaming events to {@code listener}, and ends with a {@code Done} event.
     *
     * <p>Never throws for a backend failure that leaves some answer possible (failed agents and budget hits become
     * notices and flags on the result). Throws {@link ModelException} when no answer could be produced (the run
     * emits {@code Failed} first); when {@code cancellation} is raised it stops every backend call in flight and
     * throws {@link ModelException} of kind {@link ModelException.Kind#CANCELLED}. Throws
     * {@link IllegalArgumentException} for invalid input, before any call.
     */
    public RunResult run(List<ChatMessage> conversation, RunOptions options, StreamListener listener, Cancellation cancellation) {
        validate(conversation, options);
        Run run = new Run(this, options, listener, cancellation);
        try {
            RunResult r = switch (options.mode()) {
                case INSTANT -> single(run, conversation, Mode.INSTANT, Mode.INSTANT, null);
                case THINKING -> single(run, conversation, Mode.THINKING, Mode.THINKING, null);
                case CONTEMPLATING -> Contemplating.run(run, conversation, run.root, Mode.CONTEMPLATING, null);
                case AUTO -> auto(run, conversation);
            };
            run.emit(new StreamEvent.Done(null, r.answer(), r.usage(), r.elapsedMillis()));
            return r;
        } catch (ModelException e) {
            ModelException thrown = run.user.isCancelled() && e.kind() != ModelException.Kind.CANCELLED ? run.cancelled() : e;
            run.emit(new StreamEvent.Failed(null, thrown.getMessage()));
            throw thrown;
        } catch (RuntimeException e) {
            if (run.user.isCancelled()) {
                ModelException c = run.cancelled();
                run.emit(new StreamEvent.Failed(null, c.getMessage()));
                throw c;
            }
            run.emit(new StreamEvent.Failed(null, String.valueOf(e.getMessage())));
            throw e;
        } finally {
            run.close();
        }
    }

    private void validate(List<ChatMessage> conversation, RunOptions options) {
        Objects.requireNonNull(options, "options");
        if (conversation == null || conversation.isEmpty()) {
            throw new IllegalArgumentException("the conversation is empty: give at least one user message");
        }
        Role last = conversation.getLast().role();
        if (last != Role.USER && last != Role.TOOL) {
            throw new IllegalArgumentException(
                    "the conversation must end with a user message (or tool results), not " + last.name().toLowerCase(java.util.Locale.ROOT));
        }
        if (last == Role.USER && conversation.getLast().text().isBlank() && !conversation.getLast().hasImages()) {
            throw new IllegalArgumentException("the question is empty: write what you want to ask");
        }
        List<String> available = availableTools();
        for (String t : options.tools()) {
            if (!available.contains(t)) {
                throw new IllegalArgumentException("unknown tool '" + t + "': available tools are " + String.join(", ", available));
            }
        }
    }

    /** Instant and Thinking: one agent. */
    private static RunResult single(Run run, List<ChatMessage> conversation, Mode mode, Mode requested, String routeReason) {
        RunOptions o = run.options;
        boolean instant = mode == Mode.INSTANT;
        Integer maxTokens = instant && o.maxTokens() == null ? Integer.valueOf(INSTANT_MAX_TOKENS) : o.maxTokens();
        Agent.Task task = new Agent.Task("agent-1", null, "solver", 0, run.muse.model, run.root,
                Contemplating.lastUserText(conversation), conversation, o.tools(), o.clientTools(),
                instant ? Agent.Style.INSTANT : Agent.Style.THINKING, o.temperature(), o.seed(), maxTokens,
                o.thinkingBudget(), null, "answer");
        Agent.Outcome out = Agent.run(run, task);
        if (out.failure() != null) throw out.failure();
        String answer = out.text() == null ? "" : out.text();
        List<AgentResult> agents = new ArrayList<>(run.routerResults());
        agents.add(out.toResult(answer));
        return result(run, answer, out.reasoning(), mode, requested, routeReason, agents, null, out.clientToolCalls());
    }

    private RunResult auto(Run run, List<ChatMessage> conversation) {
        String question = Contemplating.lastUserText(conversation);
        Router.Route route = Router.heuristic(question);
        Trace.Node node = run.root.child(run.runId + "/route", "stage", "route");
        Mode mode = route.mode();
        String reason = route.reason();
        if (route.ambiguous()) {
            Agent.Task t = new Agent.Task("router", null, "router", 0, model, node, "classify the question",
                    Router.classifyMessages(question), List.of(), List.of(), Agent.Style.INSTANT, 0.0, run.options.seed(),
                    ROUTER_MAX_TOKENS, null, null, "classify");
            Agent.Outcome out = Agent.run(run, t);
            Mode picked = out.ok() ? Router.parseClassification(out.text()) : null;
            run.addRouterResult(out.toResult(picked == null ? null : picked.wireName()));
            if (picked != null) {
                mode = picked;
                reason = "the router model classified it as " + picked.wireName() + " (heuristic unsure: " + reason + ")";
            } else {
                reason = "heuristic fallback, the router model gave no usable answer: " + reason;
            }
        }
        node.output(mode.wireName() + ": " + reason);
        node.end();
        run.emit(new StreamEvent.Stage("router", "route", mode.wireName() + ": " + reason));
        if (run.budgetExceeded()) {
            return result(run, "", "", mode, Mode.AUTO, reason, run.routerResults(), null, List.of());
        }
        return switch (mode) {
            case INSTANT, THINKING -> single(run, conversation, mode, Mode.AUTO, reason);
            case CONTEMPLATING -> {
                RunResult r = Contemplating.run(run, conversation, run.root, Mode.AUTO, reason);
                List<AgentResult> agents = new ArrayList<>(run.routerResults());
                agents.addAll(r.agents());
                yield new RunResult(r.runId(), r.answer(), r.reasoning(), Mode.CONTEMPLATING, Mode.AUTO, reason, r.usage(),
                        agents, r.consensus(), r.elapsedMillis(), r.budgetExceeded(), r.notices(), r.clientToolCalls(),
                        r.trace(), r.tokensSavedByEarlyStop());
            }
            case AUTO -> throw new IllegalStateException("the router never picks auto");
        };
    }

    /** Seals a run into its result: usage from the ledger, the frozen trace, the budget flag and the notices. */
    static RunResult result(Run run, String answer, String reasoning, Mode mode, Mode requested, String routeReason,
            List<AgentResult> agents, Consensus consensus, List<ToolCall> clientToolCalls) {
        if (run.budgetExceeded() && (answer == null || answer.isBlank())) {
            run.notice(null, "the budget ran out before any answer was written");
        }
        run.root.input(mode.wireName()).output(Trace.abbreviate(answer, 4000));
        run.root.end();
        return new RunResult(run.runId, answer, reasoning, mode, requested, routeReason, run.usage(), agents, consensus,
                run.elapsedMillis(), run.budgetExceeded(), run.notices(), clientToolCalls, run.root.freeze(),
                run.tokensSaved());
    }

    public RunResult ask(String question, RunOptions options) {
        return run(List.of(ChatMessage.user(question)), options, StreamListener.NONE, new Cancellation());
    }

    public static final class Builder {
        private ChatModel model;
        private List<ChatModel> agentModels;
        private ChatModel judge;
        private ToolRegistry tools;

        /** The default model for every agent, the router and the synthesiser. */
        public Builder model(ChatModel v) {
            model = v;
            return this;
        }

        /** A mixture of models: Contemplating's agent i runs on {@code v.get(i % v.size())}. */
        public Builder agentModels(List<ChatModel> v) {
            agentModels = v;
            return this;
        }

        /** An optional judge that can pick a minority answer it can verify. */
        public Builder judge(ChatModel v) {
            judge = v;
            return this;
        }

        public Builder tools(ToolRegistry v) {
            tools = v;
            return this;
        }

        public Muse build() {
            return new Muse(this);
        }
    }
}
