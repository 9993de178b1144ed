package dev.muse.reasoning;

import dev.muse.core.Cancellation;
import dev.muse.core.ChatMessage;
import dev.muse.core.ChatModel;
import dev.muse.core.ChatRequest;
import dev.muse.core.ChatResponse;
import dev.muse.core.Choice;
import dev.muse.core.ContentPart;
import dev.muse.core.ModelException;
import dev.muse.core.StreamEvent;
import dev.muse.core.StreamListener;
import dev.muse.core.ThinkTags;
import dev.muse.core.TokenEstimator;
import dev.muse.core.ToolCall;
import dev.muse.core.Usage;
import dev.muse.tools.ToolRegistry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One run's shared state: the budgets, the cancellation tree, the usage ledger, the notices and the trace. Every
 * backend call of every agent goes through {@link #call}, so budgets and accounting are enforced in one place.
 *
 * <p>Cancellation tree: the caller's signal → {@link #cancel} (also raised by a budget) → one per agent (raised by
 * early stop) → one per call (raised by thinking-budget forcing).
 */
final class Run {
    private static final System.Logger LOG = System.getLogger(Run.class.getName());

    final String runId = UUID.randomUUID().toString();
    final Muse muse;
    final RunOptions options;
    final StreamListener listener;
    final Cancellation user;
    final Cancellation cancel;
    final long startNanos = System.nanoTime();
    final Trace.Node root;
    final ToolRegistry tools;

    private final Object ledger = new Object();
    private Usage usage = Usage.ZERO;
    /** Tokens of finished calls plus an estimate of the calls in flight, for the token budget. */
    private final AtomicLong committedTokens = new AtomicLong();
    private final AtomicLong inflightTokens = new AtomicLong();
    private final AtomicLong tokensSaved = new AtomicLong();
    private final List<String> notices = new ArrayList<>();
    private volatile String budgetHit;
    private final Thread timer;
    /** Every agent of the run by id, so tools (spawn_agent) can find the agent that called them. */
    final java.util.Map<String, AgentState> agents = new java.util.concurrent.ConcurrentHashMap<>();

    Run(Muse muse, RunOptions options, StreamListener listener, Cancellation user) {
        this.muse = muse;
        this.options = options;
        this.listener = listener == null ? StreamListener.NONE : listener;
        this.user = user == null ? new Cancellation() : user;
        this.cancel = this.user.child();
        this.root = new Trace.Node(runId, "run", "run", startNanos);
        this.tools = options.tools().contains(SpawnAgentTool.NAME)
                ? muse.tools().with(List.of(new SpawnAgentTool(this)))
                : muse.tools();
        if (options.timeBudget() != null) {
            long millis = options.timeBudget().toMillis();
            timer = Thread.ofVirtual().name("muse-time-budget").start(() -> {
                try {
                    Thread.sleep(millis);
                    exceed("time budget of " + describe(options.timeBudget()) + " exceeded");
                } catch (InterruptedException ignored) {
                    // the run ended first
                }
            });
        } else {
            timer = null;
        }
    }

    /** Stops the budget timer. */
    void close() {
        if (timer != null) timer.interrupt();
    }

    private final List<AgentResult> routerResults = new ArrayList<>();

    synchronized void addRouterResult(AgentResult r) {
        routerResults.add(r);
    }

    synchronized List<AgentResult> routerResults() {
        return List.copyOf(routerResults);
    }

    long elapsedMillis() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    Usage usage() {
        synchronized (ledger) {
            return usage;
        }
    }

    List<String> notices() {
        synchronized (notices) {
            return List.copyOf(notices);
        }
    }

    void notice(String agentId, String message) {
        synchronized (notices) {
            notices.add(message);
        }
        listener.on(new StreamEvent.Notice(agentId, message));
    }

    void emit(StreamEvent e) {
        listener.on(e);
    }

    boolean budgetExceeded() {
        return budgetHit != null;
    }

    String budgetReason() {
        return budgetHit;
    }

    void addSaved(long tokens) {
        if (tokens > 0) tokensSaved.addAndGet(tokens);
    }

    long tokensSaved() {
        return tokensSaved.get();
    }

    /** Flags the run as over budget and cancels everything in flight (once). */
    void exceed(String why) {
        synchronized (this) {
            if (budgetHit != null || user.isCancelled()) return;
            budgetHit = why;
        }
        LOG.log(System.Logger.Level.DEBUG, "run {0}: {1}", runId, why);
        notice(null, why + ": returning the best answer so far");
        cancel.cancel(why);
    }

    /** Throws if the run may not start another backend call. */
    void checkCanCall() {
        if (user.isCancelled()) throw cancelled();
        if (budgetHit != null) throw new Stopped(budgetHit);
        Long tb = options.tokenBudget();
        if (tb != null && committedTokens.get() >= tb) {
            exceed("token budget of " + tb + " tokens exceeded");
            throw new Stopped(budgetHit);
        }
    }

    /** Tokens left in the run's token budget, or null when there is none. */
    Long tokensLeft() {
        Long tb = options.tokenBudget();
        return tb == null ? null : Math.max(0, tb - committedTokens.get() - inflightTokens.get());
    }

    ModelException cancelled() {
        return new ModelException(null, ModelException.Kind.CANCELLED,
                "run cancelled" + (user.reason() == null ? "" : ": " + user.reason()), null);
    }

    /** Thrown inside agents when a budget stopped the run; carries nothing, the run flag says why. */
    static final class Stopped extends RuntimeException {
        Stopped(String why) {
            super(why, null, false, false);
        }
    }

    /** Thrown inside an agent that was cancelled on its own (early stop), not with the whole run. */
    static final class AgentCancelled extends RuntimeException {
        AgentCancelled(String why) {
            super(why, null, false, false);
        }
    }

    /** How one call should be watched. */
    record Watch(Integer thinkingBudget, boolean parseThinkTags) {
        static final Watch PLAIN = new Watch(null, false);
    }

    /**
     * The outcome of one backend call.
     *
     * @param thinkingCut true when the call was stopped because its reasoning reached the thinking budget; text and
     *     reasoning then hold what had streamed so far
     */
    record CallResult(String text, String reasoning, List<ToolCall> toolCalls, Usage usage, boolean thinkingCut,
            boolean truncated) {}

    /**
     * Runs one backend call for {@code agent}: tags its events, watches the thinking budget and the token budget,
     * books its usage (reported, or estimated when a cancelled call never reported any), and records it in the
     * trace.
     */
    CallResult call(AgentState agent, ChatModel model, ChatRequest.Builder request, String label, Watch watch) {
        checkCanCall();
        if (agent.cancel.isCancelled()) throw new AgentCancelled(agent.cancel.reason());
        Cancellation callCancel = agent.cancel.child();
        ChatRequest req = request.cancellation(callCancel).build();
        Trace.Node node = agent.node.child(agent.id + "/" + label + "-" + agent.calls.incrementAndGet(), "call", label)
                .model(model.name())
                .input(Trace.abbreviate(lastUserText(req.messages()), 2000));
        StreamListener tagged = listener.forAgent(agent.id);
        CallWatcher w = new CallWatcher(agent, tagged, watch, callCancel, estimateInput(req.messages()));
        ChatResponse response;
        try {
            response = model.generate(req, w);
        } catch (RuntimeException e) {
            Usage u = w.settle(null);
            node.addUsage(u).error(e.getMessage());
            node.end();
            agent.addUsage(u);
            if (!w.answer().isEmpty()) agent.partialAnswer = w.answer();
            book(u);
            if (user.isCancelled()) throw cancelled();
            if (budgetHit != null) throw new Stopped(budgetHit);
            if (agent.cancel.isCancelled()) throw new AgentCancelled(agent.cancel.reason());
            if (w.thinkingCut) {
                node.error(null).output("(stopped at the thinking budget)").reasoning(Trace.abbreviate(w.reasoning(), 4000));
                return new CallResult(w.answer(), w.reasoning(), List.of(), u, true, false);
            }
            throw e;
        }
        Usage u = w.settle(response);
        agent.addUsage(u);
        book(u);
        Choice c = response.first();
        String text = c.text();
        String reasoning = c.reasoning();
        // a backend that leaves <think> tags in the text: split them here so the answer never carries reasoning
        if (text.contains(ThinkTags.CLOSE) || (watch.parseThinkTags() && text.contains(ThinkTags.OPEN))) {
            boolean openless = !text.contains(ThinkTags.OPEN);
            ThinkTags t = new ThinkTags(null, openless);
            t.accept(text);
            t.finish();
            text = t.answer();
            reasoning = reasoning.isEmpty() ? t.reasoning() : reasoning + "\n" + t.reasoning();
        }
        node.addUsage(u).output(Trace.abbreviate(text, 4000)).reasoning(Trace.abbreviate(reasoning, 4000));
        node.end();
        if (w.thinkingCut) return new CallResult(text, reasoning.isEmpty() ? w.reasoning() : reasoning, List.of(), u, true, false);
        if (user.isCancelled()) throw cancelled();
        return new CallResult(text, reasoning, c.toolCalls(), u, false,
                c.finishReason() == dev.muse.core.FinishReason.LENGTH);
    }

    private void book(Usage u) {
        synchronized (ledger) {
            usage = usage.plus(u);
        }
        committedTokens.addAndGet(u.totalTokens());
        Long tb = options.tokenBudget();
        if (tb != null && committedTokens.get() > tb) exceed("token budget of " + tb + " tokens exceeded");
    }

    /** Called as deltas stream in: the token budget also cuts calls that are still running. */
    private void streamed(long tokens) {
        long inflight = inflightTokens.addAndGet(tokens);
        Long tb = options.tokenBudget();
        if (tb != null && committedTokens.get() + inflight > tb) exceed("token budget of " + tb + " tokens exceeded");
    }

    private static long estimateInput(List<ChatMessage> messages) {
        long n = 0;
        for (ChatMessage m : messages) {
            n += 4 + TokenEstimator.estimate(m.text()) + TokenEstimator.estimate(m.reasoning());
            for (ToolCall tc : m.toolCalls()) n += TokenEstimator.estimate(tc.name() + tc.argumentsJson());
            for (ContentPart p : m.content()) if (p instanceof ContentPart.Image) n += 500;
        }
        return n;
    }

    private static String lastUserText(List<ChatMessage> messages) {
        for (int i = messages.size() - 1; i >= 0; i--) {
            ChatMessage m = messages.get(i);
            if (m.role() == dev.muse.core.Role.USER || m.role() == dev.muse.core.Role.TOOL) return m.text();
        }
        return messages.getLast().text();
    }

    private static String describe(java.time.Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? (ms / 1000) + " s" : ms + " ms";
    }

    /**
     * The listener one call streams into: forwards events tagged with the agent, collects the usage the backend
     * reports, counts streamed tokens for the budgets and raises the call's own cancellation at the thinking budget.
     */
    private final class CallWatcher implements StreamListener {
        private final AgentState agent;
        private final StreamListener tagged;
        private final Watch watch;
        private final Cancellation callCancel;
        private final long inputEstimate;
        private final StringBuilder reasoning = new StringBuilder();
        private final StringBuilder answer = new StringBuilder();
        private final ThinkTags tags;
        private final Set<String> requested = new HashSet<>();
        private Usage reported;
        private long streamedTokens;
        private long reasoningChars;
        volatile boolean thinkingCut;

        CallWatcher(AgentState agent, StreamListener tagged, Watch watch, Cancellation callCancel, long inputEstimate) {
            this.agent = agent;
            this.tagged = tagged;
            this.watch = watch;
            this.callCancel = callCancel;
            this.inputEstimate = inputEstimate;
            this.tags = watch.parseThinkTags() ? new ThinkTags(new ThinkTags.Sink() {
                public void reasoning(String t) {
                    onReasoning(0, t);
                }

                public void answer(String t) {
                    onAnswer(0, t);
                }
            }) : null;
            streamed(inputEstimate);
        }

        @Override
        public synchronized void on(StreamEvent e) {
            switch (e) {
                case StreamEvent.UsageReport u -> {
                    reported = reported == null ? u.usage() : reported.plus(u.usage());
                    tagged.on(e);
                }
                case StreamEvent.ReasoningDelta d -> onReasoning(d.choice(), d.text());
                case StreamEvent.TextDelta d -> {
                    if (tags != null) tags.accept(d.text());
                    else onAnswer(d.choice(), d.text());
                }
                case StreamEvent.ToolCallRequested t -> {
                    requested.add(t.call().id());
                    agent.requestedToolCalls.add(t.call().id());
                    tagged.on(e);
                }
                default -> tagged.on(e);
            }
        }

        private void onReasoning(int choice, String text) {
            reasoning.append(text);
            count(text);
            tagged.on(new StreamEvent.ReasoningDelta(null, choice, text));
            reasoningChars += text.length();
            Integer budget = watch.thinkingBudget();
            // estimate only every ~64 chars: TokenEstimator walks the whole text
            if (budget != null && !thinkingCut && reasoningChars >= 64) {
                reasoningChars = 0;
                if (TokenEstimator.estimate(reasoning.toString()) >= budget) {
                    thinkingCut = true;
                    callCancel.cancel("thinking budget of " + budget + " tokens reached");
                }
            }
        }

        private void onAnswer(int choice, String text) {
            answer.append(text);
            count(text);
            tagged.on(new StreamEvent.TextDelta(null, choice, text));
        }

        private void count(String text) {
            long t = TokenEstimator.estimate(text);
            streamedTokens += t;
            agent.streamedTokens.addAndGet(t);
            streamed(t);
        }

        synchronized String reasoning() {
            return reasoning.toString().strip();
        }

        synchronized String answer() {
            return answer.toString().strip();
        }

        /** The call's usage: as reported, else the response's, else estimated from what streamed. */
        synchronized Usage settle(ChatResponse response) {
            if (tags != null) tags.finish();
            inflightTokens.addAndGet(-(inputEstimate + streamedTokens));
            Usage u = reported;
            if (u == null && response != null) u = response.usage();
            if (u == null || u.calls() == 0 && u.totalTokens() == 0) {
                long reasoningTokens = TokenEstimator.estimate(reasoning.toString());
                u = new Usage(inputEstimate, streamedTokens, Math.min(reasoningTokens, streamedTokens), true, 1);
                reported = u;
                tagged.on(new StreamEvent.UsageReport(null, u));
            } else if (reported == null) {
                tagged.on(new StreamEvent.UsageReport(null, u));
            }
            return u;
        }
    }
}
