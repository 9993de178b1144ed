package dev.muse.reasoning;

import dev.muse.core.ChatMessage;
import dev.muse.core.ChatModel;
import dev.muse.core.Consensus;
import dev.muse.core.ContentPart;
import dev.muse.core.ModelException;
import dev.muse.core.Role;
import dev.muse.core.StreamEvent;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Contemplating, in Muse Spark's three stages: N agents solve in parallel with real diversity (temperature, seed,
 * approach hint, optionally model); each reviews and revises its own solution; the answers are clustered and
 * weighed, optionally judged, or synthesised when they are free-form. A quorum after stage 1 stops the stragglers
 * and skips the agreeing agents' refinement.
 */
final class Contemplating {
    private Contemplating() {}

    /** Distinct ways to attack a problem, one per agent (cycled past eight agents). */
    static final List<String> APPROACHES = List.of(
            "Solve it directly, the most natural way.",
            "Work backwards from what is asked.",
            "Solve it, then check the result with a second, independent method.",
            "Break the problem into small parts and solve each one carefully.",
            "Look for a trap or a common mistake before committing to an answer.",
            "Write down the key facts and constraints first, then reason only from them.",
            "Estimate the answer first, then compute it exactly and compare with the estimate.",
            "Consider other readings of the question and rule them out before answering.");

    static final String SOLVE_PROMPT = "You are one of several independent solvers; the request ends with the approach"
            + " to take. If the question has a short answer (a number, a choice, a word or a phrase), end your response with a"
            + " line 'Final answer: <answer>'.";

    static final String REVIEW_PROMPT = "Review your solution above critically: check every step, the arithmetic,"
            + " and whether it answers exactly what was asked. If it is correct, say so and restate it; if not, correct"
            + " it. If the question has a short answer, end with a line 'Final answer: <answer>'.";

    static final String JUDGE_PROMPT = "You verify candidate answers to a problem. Several agents solved it"
            + " independently; their answers fell into the candidates below. The majority can be wrong: check each"
            + " candidate yourself and pick one you can verify. End with a line 'Verdict: <candidate number>'.";

    static final String SYNTH_PROMPT = "Several independent drafts answer the request below. Write the single best"
            + " final response: keep what is correct and useful in them, fix their errors, resolve disagreements."
            + " Reply with the final response only, addressed to the user, without mentioning the drafts.";

    /** Temperature of agent {@code i} of {@code n}: spread over 0.5..1.0, or ±0.25 around the caller's choice. */
    static double temperature(Double base, int i, int n) {
        double lo = base == null ? 0.5 : Math.max(0, base - 0.25);
        double hi = base == null ? 1.0 : Math.min(2, base + 0.25);
        if (n == 1) return base == null ? 0.7 : base;
        return Math.round((lo + (hi - lo) * i / (n - 1)) * 1000) / 1000.0;
    }

    static RunResult run(Run run, List<ChatMessage> conversation, Trace.Node parent, Mode requested, String routeReason) {
        RunOptions o = run.options;
        Muse muse = run.muse;
        int n = o.agents();
        String question = lastUserText(conversation);

        // stage 1: solve
        Trace.Node solveNode = parent.child(run.runId + "/solve", "stage", "solve");
        run.emit(new StreamEvent.Stage(null, "solve", n + " agents solve independently"));
        List<AgentState> states = new ArrayList<>();
        List<Agent.Task> tasks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ChatModel m = muse.agentModels().isEmpty() ? muse.model() : muse.agentModels().get(i % muse.agentModels().size());
            String hint = APPROACHES.get(i % APPROACHES.size());
            Agent.Task t = new Agent.Task("agent-" + (i + 1), null, "solver", 0, m, solveNode, question,
                    withApproach(Agent.withSystem(conversation, SOLVE_PROMPT), hint), o.tools(), List.of(),
                    Agent.Style.THINKING, temperature(o.temperature(), i, n), o.seed() == null ? null : o.seed() + i,
                    o.maxTokens(), o.thinkingBudget(), null, "solve");
            tasks.add(t);
            states.add(Agent.start(run, t));
        }
        Agent.Outcome[] solved = new Agent.Outcome[n];
        int quorum = n / 2 + 1;
        boolean canStopEarly = o.earlyStop() && n >= 3;
        Set<String> agreeing = new HashSet<>();
        try (ExecutorService exec = Executors.newVirtualThreadPerTaskExecutor()) {
            CompletionService<Integer> done = new ExecutorCompletionService<>(exec);
            for (int i = 0; i < n; i++) {
                int k = i;
                done.submit(() -> {
                    solved[k] = Agent.execute(run, states.get(k), tasks.get(k));
                    return k;
                });
            }
            for (int finished = 0; finished < n; finished++) {
                int k = take(run, done);
                if (canStopEarly && agreeing.isEmpty() && solved[k].ok()) {
                    List<Aggregator.Candidate> sofar = candidates(solved);
                    Aggregator.Group top = Aggregator.cluster(sofar).stream()
                            .max((a, b) -> Integer.compare(a.votes(), b.votes())).orElseThrow();
                    if (top.votes() >= quorum) {
                        top.members().forEach(c -> agreeing.add(c.agentId()));
                        stopStragglers(run, states, solved, top.votes(), n);
                    }
                }
            }
        }

        List<AgentResult> results = new ArrayList<>();
        List<Agent.Outcome> ok = new ArrayList<>();
        List<Agent.Outcome> failed = new ArrayList<>();
        for (Agent.Outcome out : solved) {
            if (out.ok()) ok.add(out);
            else if (out.error() != null) failed.add(out);
        }
        if (ok.isEmpty() && !failed.isEmpty() && failed.size() == n) {
            for (int i = 0; i < n; i++) Agent.finish(run, states.get(i), solved[i], null);
            ModelException first = failed.getFirst().failure();
            throw new ModelException(first.backend(), first.kind(),
                    "all " + n + " agents failed: " + messageWithoutBackend(first), first);
        }
        if (!failed.isEmpty()) {
            run.notice(null, failed.size() + " of " + n + " agents failed: " + failed.getFirst().error()
                    + "; answering from the rest");
        }

        // stage 2: self-refinement
        String[] finalText = new String[n];
        boolean[] confirmed = new boolean[n];
        for (int i = 0; i < n; i++) finalText[i] = solved[i].ok() ? solved[i].text() : null;
        if (o.refineRounds() > 0 && !run.budgetExceeded() && !ok.isEmpty()) {
            if (!agreeing.isEmpty()) {
                long perCall = averageOutput(ok);
                run.addSaved(perCall * agreeing.size() * o.refineRounds());
            }
            Trace.Node refineNode = parent.child(run.runId + "/refine", "stage", "refine");
            refineNode.end();
            run.emit(new StreamEvent.Stage(null, "refine", agreeing.isEmpty()
                    ? "each agent reviews its own solution (" + o.refineRounds() + " round" + (o.refineRounds() > 1 ? "s" : "") + ")"
                    : agreeing.size() + " agents already agree; the others review their solutions"));
            try (ExecutorService exec = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> futures = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    if (!solved[i].ok() || agreeing.contains(states.get(i).id)) continue;
                    int k = i;
                    futures.add(exec.submit(() -> refine(run, states.get(k), tasks.get(k), solved[k], finalText, confirmed, k)));
                }
                for (Future<?> f : futures) join(run, f);
            }
        }

        // stage 3: aggregation
        run.emit(new StreamEvent.Stage(null, "aggregate", "clustering " + ok.size() + " answers"));
        Trace.Node aggNode = parent.child(run.runId + "/aggregate", "stage", "aggregate");
        List<Aggregator.Candidate> cands = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (finalText[i] != null) cands.add(Aggregator.Candidate.of(states.get(i).id, finalText[i], confirmed[i]));
        }
        for (int i = 0; i < n; i++) {
            String answer = finalText[i] == null ? null : Aggregator.Candidate.of(states.get(i).id, finalText[i], false).answer();
            Agent.finish(run, states.get(i), solved[i], answer);
            Agent.Outcome out = solved[i];
            String error = out.error() != null ? out.error()
                    : out.cancelledEarly() ? "stopped early: a quorum of agents already agreed"
                    : out.stopped() ? "stopped by the run's budget" : null;
            results.add(new AgentResult(states.get(i).id, "solver", states.get(i).model.name(), answer,
                    out.reasoning(), states.get(i).usage(), states.get(i).elapsedMillis(), error));
        }

        String answer;
        Consensus consensus;
        if (cands.isEmpty()) {
            // only a budget can get here: return the longest partial text as the best we have
            answer = bestPartial(solved);
            consensus = new Consensus(Answers.extract(answer).text(), 0, List.of(), "single", "no agent finished within the budget");
        } else if (Aggregator.freeForm(cands) && !run.budgetExceeded()) {
            List<Aggregator.Group> groups = Aggregator.cluster(cands);
            answer = synthesize(run, conversation, cands, aggNode, results);
            consensus = answer == null ? null
                    : new Consensus(Trace.abbreviate(answer, 200), (double) groups.getFirst().votes() / cands.size(),
                            groups.stream().map(Aggregator.Group::toCluster).toList(), "synthesis",
                            "free-form answers: a synthesiser combined " + cands.size() + " drafts");
            if (answer == null) {
                Aggregator.Group top = groups.getFirst();
                answer = top.representative().text();
                consensus = Aggregator.weigh(groups, cands.size());
            }
        } else {
            List<Aggregator.Group> groups = Aggregator.cluster(cands);
            consensus = Aggregator.weigh(groups, cands.size());
            Aggregator.Group chosen = groups.getFirst();
            if (muse.judge() != null && groups.size() > 1 && !run.budgetExceeded()) {
                Aggregator.Group picked = judge(run, question, groups, aggNode, results);
                if (picked != null) {
                    chosen = picked;
                    String why = picked == groups.getFirst()
                            ? "the judge confirmed the leading answer"
                            : "the judge picked a minority answer it could verify";
                    consensus = new Consensus(picked.representative().answer(), (double) picked.votes() / cands.size(),
                            consensus.clusters(), "judge", why);
                }
            }
            answer = chosen.representative().text();
        }
        aggNode.output(consensus == null ? null : consensus.answer());
        aggNode.end();
        if (consensus != null) run.emit(new StreamEvent.Aggregated(null, consensus));
        return Muse.result(run, answer, "", Mode.CONTEMPLATING, requested, routeReason, results, consensus, List.of());
    }

    /** One agent's refinement rounds: review, revise, record whether the answer held. */
    private static Void refine(Run run, AgentState s, Agent.Task task, Agent.Outcome solved, String[] finalText,
            boolean[] confirmed, int k) {
        List<ChatMessage> transcript = solved.transcript();
        for (int round = 1; round <= run.options.refineRounds(); round++) {
            if (run.budgetExceeded()) return null;
            List<ChatMessage> msgs = new ArrayList<>(transcript);
            msgs.add(ChatMessage.user(REVIEW_PROMPT));
            Agent.Outcome r = Agent.execute(run, s, task.withMessages(msgs, "refine-" + round));
            if (!r.ok() || r.text() == null || r.text().isBlank()) {
                if (r.error() != null) run.notice(s.id, s.id + "'s review failed (" + r.error() + "); keeping its answer");
                return null;
            }
            String before = Answers.extract(finalText[k]).text();
            String after = Answers.extract(r.text()).text();
            confirmed[k] = Answers.normalize(before).equals(Answers.normalize(after));
            finalText[k] = r.text();
            transcript = r.transcript();
            run.emit(new StreamEvent.Refined(s.id, round, before, after));
        }
        return null;
    }

    /** Quorum reached: cancel the agents still solving and count what they would have spent. */
    private static void stopStragglers(Run run, List<AgentState> states, Agent.Outcome[] solved, int votes, int n) {
        List<Agent.Outcome> finished = new ArrayList<>();
        for (Agent.Outcome out : solved) if (out != null && out.ok()) finished.add(out);
        long expected = averageOutput(finished);
        int stopped = 0;
        for (int i = 0; i < n; i++) {
            if (solved[i] != null) continue;
            AgentState s = states.get(i);
            run.addSaved(expected - s.streamedTokens.get());
            s.cancel.cancel("early stop: " + votes + " of " + n + " agents already agree");
            stopped++;
        }
        run.emit(new StreamEvent.Stage(null, "early-stop", votes + " of " + n + " agents agree"
                + (stopped > 0 ? "; stopping " + stopped + " still running" : "") + " and skipping their review"));
    }

    private static long averageOutput(List<Agent.Outcome> outs) {
        if (outs.isEmpty()) return 0;
        long sum = 0;
        for (Agent.Outcome o : outs) sum += o.usage().outputTokens() / Math.max(1, o.usage().calls());
        return sum / outs.size();
    }

    private static List<Aggregator.Candidate> candidates(Agent.Outcome[] outs) {
        List<Aggregator.Candidate> c = new ArrayList<>();
        for (Agent.Outcome o : outs) {
            if (o != null && o.ok() && o.text() != null) c.add(Aggregator.Candidate.of(o.state().id, o.text(), false));
        }
        return c;
    }

    private static Aggregator.Group judge(Run run, String question, List<Aggregator.Group> groups, Trace.Node node,
            List<AgentResult> results) {
        StringBuilder sb = new StringBuilder("Problem:\n").append(question).append("\n\nCandidates:\n");
        for (int i = 0; i < groups.size(); i++) {
            Aggregator.Group g = groups.get(i);
            sb.append("\n[").append(i + 1).append("] answer: ").append(g.representative().answer())
                    .append(" (").append(g.votes()).append(g.votes() == 1 ? " agent" : " agents").append(")\n")
                    .append("solution:\n").append(Trace.abbreviate(g.representative().text(), 3000)).append('\n');
        }
        run.emit(new StreamEvent.Stage(null, "judge", groups.size() + " candidate answers"));
        Agent.Task t = new Agent.Task("judge", null, "judge", 0, run.muse.judge(), node, "verify " + groups.size() + " candidates",
                List.of(ChatMessage.system(JUDGE_PROMPT), ChatMessage.user(sb.toString())), List.of(), List.of(),
                Agent.Style.THINKING, 0.0, run.options.seed(), run.options.maxTokens(), run.options.thinkingBudget(), null, "judge");
        Agent.Outcome out = Agent.run(run, t);
        int verdict = out.ok() ? Aggregator.parseVerdict(out.text()) : -1;
        Aggregator.Group picked = verdict >= 1 && verdict <= groups.size() ? groups.get(verdict - 1) : null;
        results.add(out.toResult(picked == null ? null : picked.representative().answer()));
        if (out.error() != null) run.notice("judge", "the judge failed (" + out.error() + "); using the weighted vote");
        else if (out.ok() && picked == null) run.notice("judge", "the judge named no valid candidate; using the weighted vote");
        return picked;
    }

    private static String synthesize(Run run, List<ChatMessage> conversation, List<Aggregator.Candidate> cands,
            Trace.Node node, List<AgentResult> results) {
        run.emit(new StreamEvent.Stage(null, "synthesize", cands.size() + " drafts"));
        StringBuilder sb = new StringBuilder(SYNTH_PROMPT).append("\n\nRequest:\n").append(lastUserText(conversation));
        for (int i = 0; i < cands.size(); i++) {
            sb.append("\n\n--- Draft ").append(i + 1).append(" ---\n").append(Trace.abbreviate(cands.get(i).text(), 6000));
        }
        List<ChatMessage> msgs = replaceLastUser(conversation, sb.toString());
        Agent.Task t = new Agent.Task("synthesizer", null, "synthesizer", 0, run.muse.model(), node,
                "synthesise " + cands.size() + " drafts", msgs, List.of(), List.of(), Agent.Style.INSTANT,
                run.options.temperature(), run.options.seed(), run.options.maxTokens(), null, null, "synthesize");
        Agent.Outcome out = Agent.run(run, t);
        results.add(out.toResult(out.ok() ? out.text() : null));
        if (!out.ok() || out.text() == null || out.text().isBlank()) {
            run.notice("synthesizer", "the synthesiser failed" + (out.error() == null ? "" : " (" + out.error() + ")")
                    + "; returning the leading draft");
            return null;
        }
        return out.text();
    }

    private static String bestPartial(Agent.Outcome[] outs) {
        String best = "";
        for (Agent.Outcome o : outs) {
            if (o != null && o.text() != null && o.text().length() > best.length()) best = o.text();
        }
        return best;
    }

    static String lastUserText(List<ChatMessage> conversation) {
        for (int i = conversation.size() - 1; i >= 0; i--) {
            if (conversation.get(i).role() == Role.USER) return conversation.get(i).text();
        }
        return "";
    }

    private static List<ChatMessage> replaceLastUser(List<ChatMessage> conversation, String text) {
        List<ChatMessage> out = new ArrayList<>(conversation);
        for (int i = out.size() - 1; i >= 0; i--) {
            if (out.get(i).role() == Role.USER) {
                List<ContentPart.Image> images = out.get(i).images();
                out.set(i, ChatMessage.user(text, images));
                return out;
            }
        }
        out.add(ChatMessage.user(text));
        return out;
    }

    private static String messageWithoutBackend(ModelException e) {
        String m = e.getMessage();
        String prefix = e.backend() == null ? null : e.backend() + ": ";
        return prefix != null && m.startsWith(prefix) ? m.substring(prefix.length()) : m;
    }

    private static int take(Run run, CompletionService<Integer> done) {
        try {
            return done.take().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            run.cancel.cancel("interrupted");
            throw run.cancelled();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new IllegalStateException(e.getCause());
        }
    }

    private static void join(Run run, Future<?> f) {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            run.cancel.cancel("interrupted");
            throw run.cancelled();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * The conversation with the agent's approach appended to its last user turn. Putting the only difference
     * between the agents at the very end lets them share the whole rest of the prompt: the local engine prefills it
     * once for all agents, and servers with prefix caching (vLLM, llama.cpp) reuse it.
     */
    static List<ChatMessage> withApproach(List<ChatMessage> conversation, String hint) {
        List<ChatMessage> out = new ArrayList<>(conversation);
        for (int i = out.size() - 1; i >= 0; i--) {
            ChatMessage m = out.get(i);
            if (m.role() != Role.USER) continue;
            List<ContentPart> parts = new ArrayList<>(m.content());
            parts.add(new ContentPart.Text("\n\nApproach for this attempt: " + hint));
            out.set(i, new ChatMessage(m.role(), parts, m.toolCalls(), m.toolCallId(), m.name(), m.reasoning()));
            return out;
        }
        return out;
    }
}
