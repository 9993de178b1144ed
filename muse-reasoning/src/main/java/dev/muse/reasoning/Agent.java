package dev.muse.reasoning;

import dev.muse.core.Cancellation;
import dev.muse.core.ChatMessage;
import dev.muse.core.ChatModel;
import dev.muse.core.ChatRequest;
import dev.muse.core.ModelException;
import dev.muse.core.Reasoning;
import dev.muse.core.Role;
import dev.muse.core.StreamEvent;
import dev.muse.core.ToolCall;
import dev.muse.core.ToolSpec;
import dev.muse.core.Usage;
import dev.muse.tools.ToolContext;
import dev.muse.tools.ToolOutcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

/**
 * The agent loop: call the model; if it asks for tools, run them in parallel, append their results and call again;
 * stop at an answer, a caller-side tool call, the step limit or a budget. Thinking agents reason first, natively
 * or inside {@code <think>} tags, and are forced to answer when their reasoning reaches the thinking budget.
 */
final class Agent {
    private Agent() {}

    static final String THINK_PROMPT = "Before answering, think the problem through step by step inside <think> and"
            + " </think> tags. After </think>, write the answer for the user, clearly and concisely.";

    enum Style {
        /** reasoning off, short output */
        INSTANT,
        /** reasoning first (native or in think tags), with budget forcing */
        THINKING
    }

    /**
     * What an agent should do.
     *
     * @param messages the agent's full context (system prompt included)
     * @param toolNames the server-side tools it may call
     * @param tokenBudget this agent's own cap on tokens (input + output of its calls), or null
     */
    record Task(String id, String parentId, String role, int depth, ChatModel model, Trace.Node parentNode,
            String summary, List<ChatMessage> messages, List<String> toolNames, List<ToolSpec> clientTools,
            Style style, Double temperature, Long seed, Integer maxTokens, Integer thinkingBudget, Long tokenBudget,
            String label) {
        Task {
            label = label == null ? "answer" : label;
        }

        Task withMessages(List<ChatMessage> m, String newLabel) {
            return new Task(id, parentId, role, depth, model, parentNode, summary, m, toolNames, clientTools, style,
                    temperature, seed, maxTokens, thinkingBudget, tokenBudget, newLabel);
        }
    }

    /**
     * What an agent produced.
     *
     * @param text its final answer text (or the best partial text when a budget stopped it)
     * @param transcript the agent's messages plus its final assistant turn, for refinement
     * @param stopped true when a run budget stopped it
     * @param cancelledEarly true when early stop cancelled it
     */
    record Outcome(AgentState state, String text, String reasoning, List<ToolCall> clientToolCalls, Usage usage,
            long elapsedMillis, String error, ModelException failure, boolean stopped, boolean cancelledEarly,
            List<ChatMessage> transcript) {
        boolean ok() {
            return error == null && !stopped && !cancelledEarly;
        }

        AgentResult toResult(String answer) {
            return new AgentResult(state.id, state.role, state.model.name(), answer, reasoning, usage, elapsedMillis,
                    error);
        }
    }

    /** Registers the agent, opens its trace node and announces it. */
    static AgentState start(Run run, Task task) {
        AgentState parent = task.parentId() == null ? null : run.agents.get(task.parentId());
        // a sub-agent stops with its parent (early stop), every agent with the run
        Cancellation base = parent != null ? parent.cancel : run.cancel;
        AgentState s = new AgentState(task.id(), task.parentId(), task.role(), task.depth(), task.model(),
                base.child(), task.parentNode().child(task.id(), "agent", task.role()), task.toolNames());
        s.node.model(task.model().name()).input(Trace.abbreviate(task.summary(), 2000));
        run.agents.put(s.id, s);
        run.emit(new StreamEvent.AgentStarted(s.id, s.parentId, s.role, Trace.abbreviate(task.summary(), 500)));
        return s;
    }

    /** Starts, runs and finishes one agent. */
    static Outcome run(Run run, Task task) {
        AgentState s = start(run, task);
        Outcome out = execute(run, s, task);
        finish(run, s, out, out.text());
        return out;
    }

    /**
     * Runs the loop to the end without announcing the agent's end (Contemplating runs several loops per agent).
     * Failures become an outcome with an error; only the caller's cancellation escapes (as a {@link ModelException}
     * of kind CANCELLED).
     */
    static Outcome execute(Run run, AgentState s, Task task) {
        List<ChatMessage> msgs = new ArrayList<>(task.messages());
        StringBuilder reasoning = new StringBuilder();
        try {
            return loop(run, s, task, msgs, reasoning);
        } catch (Run.Stopped e) {
            return new Outcome(s, s.partialAnswer, reasoning.toString().strip(), List.of(), s.usage(),
                    s.elapsedMillis(), null, null, true, false, msgs);
        } catch (Run.AgentCancelled e) {
            return new Outcome(s, s.partialAnswer, reasoning.toString().strip(), List.of(), s.usage(),
                    s.elapsedMillis(), null, null, false, true, msgs);
        } catch (ModelException e) {
            if (run.user.isCancelled()) {
                finish(run, s, null, null);
                throw run.cancelled();
            }
            return new Outcome(s, null, reasoning.toString().strip(), List.of(), s.usage(), s.elapsedMillis(),
                    e.getMessage(), e, false, false, msgs);
        } catch (RuntimeException e) {
            if (run.user.isCancelled()) {
                finish(run, s, null, null);
                throw run.cancelled();
            }
            // a bug or an unexpected backend exception: this agent's failure, not a crash of the run
            ModelException me = new ModelException(task.model().name(), ModelException.Kind.PROTOCOL,
                    "unexpected failure: " + e, e);
            return new Outcome(s, null, reasoning.toString().strip(), List.of(), s.usage(), s.elapsedMillis(),
                    me.getMessage(), me, false, false, msgs);
        }
    }

    /** Closes the agent's trace node and emits AgentFinished with {@code answer} (or its error). */
    static void finish(Run run, AgentState s, Outcome out, String answer) {
        String error = out == null ? "cancelled"
                : out.error() != null ? out.error()
                : out.stopped() ? "stopped by the run's budget"
                : out.cancelledEarly() ? "stopped early: a quorum of agents already agreed"
                : null;
        s.node.output(out == null ? null : Trace.abbreviate(out.text(), 4000))
                .reasoning(out == null ? null : Trace.abbreviate(out.reasoning(), 4000))
                .error(error);
        s.node.end();
        run.emit(new StreamEvent.AgentFinished(s.id, out == null || out.error() != null ? null : answer, s.usage(),
                s.elapsedMillis(), error));
    }

    private static Outcome loop(Run run, AgentState s, Task task, List<ChatMessage> msgs, StringBuilder reasoningAll) {
        boolean thinking = task.style() == Style.THINKING;
        boolean nativeReasoning = task.model().capabilities().nativeReasoning();
        if (thinking && !nativeReasoning) msgs = withSystem(msgs, THINK_PROMPT);
        Run.Watch watch = thinking
                ? new Run.Watch(nativeReasoning && task.model().capabilities().reasoningBudget() ? null : task.thinkingBudget(),
                        !nativeReasoning)
                : Run.Watch.PLAIN;
        Reasoning reasoning = !thinking ? Reasoning.OFF
                : nativeReasoning ? Reasoning.on(task.thinkingBudget()) : Reasoning.DEFAULT;
        List<ToolSpec> specs = new ArrayList<>(run.tools.specs(task.toolNames()));
        specs.addAll(task.clientTools());
        Set<String> clientNames = task.clientTools().stream().map(ToolSpec::name).collect(Collectors.toSet());
        int maxSteps = run.options.maxToolSteps();
        int steps = 0;
        String text;
        while (true) {
            if (task.tokenBudget() != null && s.usage().totalTokens() >= task.tokenBudget()) {
                run.notice(s.id, s.id + " used its budget of " + task.tokenBudget() + " tokens; it stopped with what it had");
                return new Outcome(s, s.partialAnswer, reasoningAll.toString().strip(), List.of(), s.usage(),
                        s.elapsedMillis(), null, null, false, false, msgs);
            }
            ChatRequest.Builder b = request(run, task, s, msgs, reasoning);
            if (!specs.isEmpty()) {
                b.tools(specs);
                if (steps >= maxSteps) b.toolChoice("none");
            }
            Run.CallResult r = run.call(s, task.model(), b, steps == 0 ? task.label() : task.label() + "-step-" + steps, watch);
            appendReasoning(reasoningAll, r.reasoning());
            if (r.thinkingCut()) {
                Run.CallResult forced = forceAnswer(run, task, s, msgs, r.reasoning());
                appendReasoning(reasoningAll, forced.reasoning());
                text = forced.text();
                break;
            }
            text = r.text();
            if (r.toolCalls().isEmpty()) break;
            List<ToolCall> forClient = r.toolCalls().stream().filter(c -> clientNames.contains(c.name())).toList();
            if (!forClient.isEmpty()) {
                msgs.add(ChatMessage.assistant(r.text(), r.toolCalls(), r.reasoning()));
                if (forClient.size() < r.toolCalls().size()) {
                    run.notice(s.id, "the model called caller-side and Muse tools in one turn; only the caller-side"
                            + " calls are returned");
                }
                return new Outcome(s, text, reasoningAll.toString().strip(), forClient, s.usage(), s.elapsedMillis(),
                        null, null, false, false, msgs);
            }
            if (steps >= maxSteps) {
                // the model ignored tool_choice "none": answer with what it wrote
                run.notice(s.id, s.id + " reached the limit of " + maxSteps + " tool steps");
                break;
            }
            msgs.add(ChatMessage.assistant(r.text(), r.toolCalls(), r.reasoning().isEmpty() ? null : r.reasoning()));
            msgs.addAll(runTools(run, s, r.toolCalls()));
            steps++;
            if (steps >= maxSteps) run.notice(s.id, s.id + " reached the limit of " + maxSteps + " tool steps; asking for the answer");
        }
        List<ChatMessage> transcript = new ArrayList<>(msgs);
        transcript.add(ChatMessage.assistant(text));
        return new Outcome(s, text, reasoningAll.toString().strip(), List.of(), s.usage(), s.elapsedMillis(), null,
                null, false, false, transcript);
    }

    private static ChatRequest.Builder request(Run run, Task task, AgentState s, List<ChatMessage> msgs,
            Reasoning reasoning) {
        Integer maxTokens = task.maxTokens();
        // never ask for more output than the budgets have left
        Long left = run.tokensLeft();
        if (task.tokenBudget() != null) {
            long agentLeft = Math.max(1, task.tokenBudget() - s.usage().totalTokens());
            left = left == null ? agentLeft : Math.min(left, agentLeft);
        }
        if (left != null) {
            int cap = (int) Math.max(1, Math.min(Integer.MAX_VALUE, left));
            maxTokens = maxTokens == null ? cap : Math.min(maxTokens, cap);
        }
        return ChatRequest.builder()
                .messages(msgs)
                .maxTokens(maxTokens)
                .temperature(task.temperature())
                .seed(task.seed())
                .reasoning(reasoning);
    }

    /** Budget forcing: the reasoning was cut at the budget; ask for the final answer from what was thought. */
    private static Run.CallResult forceAnswer(Run run, Task task, AgentState s, List<ChatMessage> msgs, String partial) {
        run.notice(s.id, s.id + " reached its thinking budget of " + task.thinkingBudget() + " tokens; asking for the final answer");
        List<ChatMessage> forced = new ArrayList<>(msgs);
        forced.add(ChatMessage.user("You have reached your thinking budget. Your reasoning so far was:\n\n" + partial
                + "\n\nDo not reason any further. Write your final answer now."));
        ChatRequest.Builder b = request(run, task, s, forced, Reasoning.OFF);
        return run.call(s, task.model(), b, "forced-answer", new Run.Watch(null, true));
    }

    /** Runs one turn's tool calls in parallel on virtual threads; results come back in the calls' order. */
    private static List<ChatMessage> runTools(Run run, AgentState s, List<ToolCall> calls) {
        List<ChatMessage> results = new ArrayList<>();
        try (ExecutorService exec = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<ChatMessage>> futures = new ArrayList<>();
            for (ToolCall c : calls) futures.add(exec.submit(() -> runTool(run, s, c)));
            for (Future<ChatMessage> f : futures) {
                try {
                    results.add(f.get());
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException re) throw re;
                    throw new IllegalStateException(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw run.cancelled();
                }
            }
        }
        if (run.user.isCancelled()) throw run.cancelled();
        if (run.budgetExceeded()) throw new Run.Stopped(run.budgetReason());
        return results;
    }

    private static ChatMessage runTool(Run run, AgentState s, ToolCall c) {
        if (!s.requestedToolCalls.contains(c.id())) run.emit(new StreamEvent.ToolCallRequested(s.id, 0, c));
        Trace.Node node = s.node.child(s.id + "/tool-" + c.id(), "tool", c.name()).input(Trace.abbreviate(c.argumentsJson(), 2000));
        ToolOutcome o;
        if (!s.toolNames.contains(c.name()) && run.tools.find(c.name()).isPresent()) {
            o = new ToolOutcome("tool '" + c.name() + "' is not available to this agent. Available tools: "
                    + String.join(", ", s.toolNames), true, 0);
        } else {
            o = run.tools.run(c, new ToolContext(s.id, s.depth, s.cancel, run.listener));
        }
        node.output(Trace.abbreviate(o.text(), 4000)).error(o.error() ? Trace.abbreviate(o.text(), 500) : null);
        node.end();
        run.emit(new StreamEvent.ToolResult(s.id, c.id(), c.name(), o.text(), o.error(), o.elapsedMillis()));
        return ChatMessage.tool(c.id(), c.name(), o.text());
    }

    private static void appendReasoning(StringBuilder all, String r) {
        if (r == null || r.isBlank()) return;
        if (!all.isEmpty()) all.append("\n\n");
        all.append(r.strip());
    }

    /** The conversation with {@code prompt} merged into its system message (one system message suits every API). */
    static List<ChatMessage> withSystem(List<ChatMessage> conversation, String prompt) {
        List<ChatMessage> out = new ArrayList<>();
        if (!conversation.isEmpty() && conversation.getFirst().role() == Role.SYSTEM) {
            if (conversation.getFirst().text().startsWith(prompt)) return new ArrayList<>(conversation);
            out.add(ChatMessage.system(prompt + "\n\n" + conversation.getFirst().text()));
            out.addAll(conversation.subList(1, conversation.size()));
        } else {
            out.add(ChatMessage.system(prompt));
            out.addAll(conversation);
        }
        return out;
    }
}
