package dev.muse.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.muse.core.Cancellation;
import dev.muse.core.ModelException;
import dev.muse.core.StreamEvent;
import dev.muse.core.ToolCall;
import dev.muse.core.Usage;
import dev.muse.reasoning.Muse;
import dev.muse.reasoning.RunOptions;
import dev.muse.reasoning.RunResult;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Runs one chat completion: stores the user's message, runs Muse, stores the answer, the run and its artifacts,
 * and answers as OpenAI does, in one JSON body or as an SSE stream.
 */
final class Completions {
    private static final System.Logger LOG = System.getLogger(Completions.class.getName());
    /** How long a stream may stay silent before the headers go out anyway (then pings keep it alive). */
    private static final long COMMIT_AFTER_MILLIS = 1500;
    private static final long PING_MILLIS = 1000;

    private final Map<String, Muse> muses;
    private final Store store;
    private final Limits limits;
    private final Metrics metrics;
    private final ExecutorService executor;
    private final java.util.Set<Job> active = java.util.concurrent.ConcurrentHashMap.newKeySet();

    Completions(Map<String, Muse> muses, Store store, Limits limits, Metrics metrics, ExecutorService executor) {
        this.muses = muses;
        this.store = store;
        this.limits = limits;
        this.metrics = metrics;
        this.executor = executor;
    }

    /** The bookkeeping of one request's run. */
    private final class Job {
        final Principal who;
        final CompletionParser.Call call;
        final String runId = Store.newId("run_");
        final long created = System.currentTimeMillis() / 1000;
        final long startNanos = System.nanoTime();
        final Cancellation cancel = new Cancellation();
        /** The request's options, capped by what is left of the key's token quota. */
        final RunOptions options;
        String conversationId;

        Job(Principal who, CompletionParser.Call call, Long quotaLeft) {
            this.who = who;
            this.call = call;
            RunOptions o = call.options();
            if (quotaLeft != null) {
                // Muse stops at the budget (and flags it), so a run cannot spend far past the key's quota
                o = o.withTokenBudget(o.tokenBudget() == null ? quotaLeft : Math.min(o.tokenBudget(), quotaLeft));
            }
            this.options = o;
        }

        String chatId() {
            return "chatcmpl-" + runId.substring(4);
        }

        long elapsedMillis() {
            return (System.nanoTime() - startNanos) / 1_000_000;
        }

        void begin() {
            if (call.conversationId() != null) {
                Store.Conversation conv = store.conversation(who.owner(), call.conversationId())
                        .orElseThrow(() -> new ApiError(404, "invalid_request_error", "muse.conversation_id", "not_found",
                                "no conversation '" + call.conversationId() + "' (list yours with GET /v1/muse/conversations)"));
                conversationId = conv.id();
                String first = call.messages().getLast().text().strip();
                if (conv.title().equals(Store.DEFAULT_TITLE) && !first.isEmpty()) {
                    store.renameConversation(who.owner(), conv.id(), first.length() > 60 ? first.substring(0, 59) + "…" : first);
                }
            }
            store.startRun(runId, who.owner(), conversationId, call.model(), call.mode().wireName());
            if (conversationId != null && call.lastUser() != null
                    && call.messages().getLast().role() == dev.muse.core.Role.USER) {
                // committed before the run: a crash mid-run loses no message the user sent
                store.appendMessage(conversationId, "user", call.lastUser(), null, null, null);
            }
        }

        /** Stores the outcome and returns the artifacts found in the answer. */
        List<Artifacts.Artifact> succeed(RunResult r) {
            long elapsed = elapsedMillis();
            List<Artifacts.Artifact> artifacts = Artifacts.find(r.answer());
            ObjectNode result = RunJson.result(r);
            result.put("mode_source", call.modeSource());
            store.finishRun(runId, "completed", r.mode() == null ? call.mode().wireName() : r.mode().wireName(), r.usage(), elapsed, null, result);
            for (Artifacts.Artifact a : artifacts) store.addArtifact(runId, who.owner(), a);
            if (conversationId != null) {
                ObjectNode meta = meta(r, elapsed, artifacts);
                if (!r.clientToolCalls().isEmpty()) meta.set("tool_calls", RunJson.toolCalls(r.clientToolCalls()));
                store.appendMessage(conversationId, "assistant", Json.MAPPER.getNodeFactory().textNode(r.answer()), r.reasoning(), runId, meta);
            }
            limits.charge(who, r.usage().totalTokens());
            metrics.run(modeName(r), "completed", r.usage(), elapsed, r.agents().size());
            return artifacts;
        }

        void fail(String status, String error) {
            long elapsed = elapsedMillis();
            try {
                store.finishRun(runId, status, null, Usage.ZERO, elapsed, error, null);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot record the end of run " + runId + ": " + e.getMessage());
            }
            metrics.run(call.mode().wireName(), status, Usage.ZERO, elapsed, 0);
        }

        ObjectNode meta(RunResult r, long elapsed, List<Artifacts.Artifact> artifacts) {
            ObjectNode m = Json.MAPPER.createObjectNode();
            m.put("mode", modeName(r));
            m.put("requested_mode", call.mode().wireName());
            m.put("model", call.model());
            m.set("usage", RunJson.usage(r.usage()));
            m.put("elapsed_ms", elapsed);
            m.put("agents", r.agents().size());
            if (r.consensus() != null) m.set("consensus", RunJson.consensus(r.consensus()));
            if (!artifacts.isEmpty()) {
                ArrayNode a = m.putArray("artifacts");
                for (Artifacts.Artifact x : artifacts) a.addObject().put("id", x.id()).put("kind", x.kind()).put("title", x.title()).put("content", x.content());
            }
            if (!r.notices().isEmpty()) {
                ArrayNode n = m.putArray("notices");
                r.notices().forEach(n::add);
            }
            return m;
        }

        String modeName(RunResult r) {
            return r.mode() == null ? call.mode().wireName() : r.mode().wireName();
        }

        ObjectNode museField(RunResult r, long elapsed, List<Artifacts.Artifact> artifacts) {
            ObjectNode m = meta(r, elapsed, artifacts);
            m.put("run_id", runId);
            m.put("mode_source", call.modeSource());
            if (conversationId != null) m.put("conversation_id", conversationId);
            if (r.routeReason() != null) m.put("route_reason", r.routeReason());
            m.put("budget_exceeded", r.budgetExceeded());
            ArrayNode agents = m.putArray("agent_results");
            r.agents().forEach(a -> agents.add(RunJson.agent(a)));
            return m;
        }
    }

    // ---- entry point

    /** @param quotaLeft tokens left in the caller's quota, or null when it has none */
    void handle(Context ctx, Principal who, CompletionParser.Call call, Long quotaLeft) {
        Muse muse = muses.get(call.backend());
        Job job = new Job(who, call, quotaLeft);
        job.begin();
        active.add(job);
        try {
            ctx.header("x-muse-run-id", job.runId);
            if (call.stream()) stream(ctx, job, muse);
            else plain(ctx, job, muse);
        } finally {
            active.remove(job);
        }
    }

    /** Cancels every run in flight and waits (up to {@code max}) until each has recorded how it ended. */
    void shutdown(java.time.Duration max) {
        for (Job j : active) j.cancel.cancel("the server is shutting down");
        long end = System.nanoTime() + max.toNanos();
        while (!active.isEmpty() && System.nanoTime() < end) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void plain(Context ctx, Job job, Muse muse) {
        RunResult r;
        // nothing is written until the run ends, so watch the connection itself for a client that hangs up
        try (DisconnectWatch watch = DisconnectWatch.start(ctx.req(), () -> {
            job.cancel.cancel("client disconnected");
            LOG.log(System.Logger.Level.DEBUG, "run {0}: client disconnected, cancelled", job.runId);
        })) {
            try {
                r = muse.run(job.call.messages(), job.options, e -> {}, job.cancel);
            } catch (RuntimeException e) {
                ApiError err = toApiError(e);
                job.fail(watch.clientGone() ? "cancelled" : statusOf(e), watch.clientGone() ? "client disconnected" : err.getMessage());
                throw err;
            } finally {
                if (watch.mustCloseConnection()) ctx.header("Connection", "close");
            }
        }
        List<Artifacts.Artifact> artifacts = job.succeed(r);
        boolean tools = !r.clientToolCalls().isEmpty();
        List<Wire.ToolCallDto> calls = null;
        if (tools) {
            calls = new ArrayList<>();
            for (ToolCall c : r.clientToolCalls()) calls.add(Wire.ToolCallDto.of(c, null));
        }
        Wire.Message message = new Wire.Message("assistant", tools && r.answer().isEmpty() ? null : r.answer(),
                r.reasoning().isEmpty() ? null : r.reasoning(), calls, null);
        Wire.ChatCompletion body = new Wire.ChatCompletion(job.chatId(), "chat.completion", job.created, job.call.model(),
                List.of(new Wire.Choice(0, message, null, tools ? "tool_calls" : "stop")), Wire.UsageDto.of(r.usage()),
                "muse", job.museField(r, job.elapsedMillis(), artifacts));
        ctx.contentType("application/json").result(Json.write(body));
    }

    // ---- streaming

    /** Marks the end of the run in the event queue. */
    private record Finished(RunResult result, RuntimeException error) {}

    private void stream(Context ctx, Job job, Muse muse) {
        BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
        Future<?> task = executor.submit(() -> {
            try {
                RunResult r = muse.run(job.call.messages(), job.options, queue::add, job.cancel);
                queue.add(new Finished(r, null));
            } catch (RuntimeException e) {
                queue.add(new Finished(null, e));
            }
        });
        SseWriter out = new SseWriter(ctx, job);
        List<StreamEvent> held = new ArrayList<>();
        long lastWrite = System.currentTimeMillis();
        try {
            while (true) {
                Object o = queue.poll(200, TimeUnit.MILLISECONDS);
                long now = System.currentTimeMillis();
                if (o == null) {
                    if (!out.committed && now - lastWrite >= COMMIT_AFTER_MILLIS) {
                        out.commit(held);
                        lastWrite = now;
                    } else if (out.committed && now - lastWrite >= PING_MILLIS) {
                        out.ping(); // finds a client that went away while the model is silent
                        lastWrite = now;
                    }
                    continue;
                }
                if (o instanceof Finished f) {
                    if (f.error() != null) {
                        ApiError err = toApiError(f.error());
                        job.fail(statusOf(f.error()), err.getMessage());
                        if (!out.committed) throw err;
                        out.error(err);
                        return;
                    }
                    List<Artifacts.Artifact> artifacts = job.succeed(f.result());
                    if (!out.committed) out.commit(held);
                    out.finish(f.result(), artifacts);
                    return;
                }
                StreamEvent e = (StreamEvent) o;
                if (!out.committed) {
                    if (!commitsStream(e)) {
                        held.add(e);
                        continue;
                    }
                    out.commit(held);
                }
                out.event(e);
                lastWrite = now;
            }
        } catch (IOException | InterruptedException gone) {
            // the client went away: cancel the run and every backend call under it
            job.cancel.cancel("client disconnected");
            LOG.log(System.Logger.Level.DEBUG, "run {0}: client disconnected, cancelled", job.runId);
            try {
                task.get(30, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // the run ends with a cancellation error: nothing to tell a client that is gone
            }
            drainAfterCancel(queue, job);
            if (gone instanceof InterruptedException) Thread.currentThread().interrupt();
        }
    }

    /** After a disconnect: record the run as cancelled (or completed, if it finished anyway). */
    private void drainAfterCancel(BlockingQueue<Object> queue, Job job) {
        for (Object o : queue) {
            if (o instanceof Finished f) {
                if (f.result() != null) job.succeed(f.result());
                else job.fail("cancelled", "client disconnected");
                return;
            }
        }
        job.fail("cancelled", "client disconnected");
    }

    /** Events that carry output: once one arrives the response is committed as a stream. */
    private static boolean commitsStream(StreamEvent e) {
        return switch (e) {
            case StreamEvent.TextDelta _ -> true;
            case StreamEvent.ReasoningDelta _ -> true;
            case StreamEvent.ToolCallRequested _ -> true;
            case StreamEvent.ToolResult _ -> true;
            case StreamEvent.AgentFinished a -> a.error() == null;
            case StreamEvent.Refined _ -> true;
            case StreamEvent.Aggregated _ -> true;
            case StreamEvent.Done _ -> true;
            case StreamEvent.UsageReport _, StreamEvent.Notice _, StreamEvent.AgentStarted _, StreamEvent.Stage _,
                    StreamEvent.Failed _ -> false;
        };
    }

    /**
     * Writes OpenAI chunks. One agent's text is the answer ("content", "reasoning_content"); every other agent's
     * progress goes into the {@code muse} extension object, which standard clients ignore.
     */
    private final class SseWriter {
        private final Context ctx;
        private final Job job;
        private final AnswerRouter router;
        private OutputStream os;
        boolean committed;

        SseWriter(Context ctx, Job job) {
            this.ctx = ctx;
            this.job = job;
            this.router = new AnswerRouter(job.call.mode());
        }

        void commit(List<StreamEvent> held) throws IOException {
            committed = true;
            ctx.status(200);
            ctx.res().setContentType("text/event-stream; charset=utf-8");
            ctx.res().setHeader("Cache-Control", "no-cache");
            ctx.res().setHeader("X-Accel-Buffering", "no");
            os = ctx.res().getOutputStream();
            ObjectNode start = Json.MAPPER.createObjectNode().put("type", "run").put("run_id", job.runId)
                    .put("mode", job.call.mode().wireName()).put("mode_source", job.call.modeSource());
            if (job.conversationId != null) start.put("conversation_id", job.conversationId);
            chunk(new Wire.Delta("assistant", "", null, null), null, null, start);
            for (StreamEvent e : held) event(e);
            held.clear();
        }

        void event(StreamEvent e) throws IOException {
            switch (router.route(e)) {
                case CONTENT -> chunk(new Wire.Delta(null, ((StreamEvent.TextDelta) e).text(), null, null), null, null, null);
                case REASONING -> chunk(new Wire.Delta(null, null, ((StreamEvent.ReasoningDelta) e).text(), null), null, null, null);
                case EXTENSION -> {
                    ObjectNode m = RunJson.event(e);
                    if (m != null) chunk(Wire.Delta.EMPTY, null, null, m);
                }
                case DROP -> {}
            }
        }

        void finish(RunResult r, List<Artifacts.Artifact> artifacts) throws IOException {
            String rest = router.remainder(r.answer());
            if (!rest.isEmpty()) chunk(new Wire.Delta(null, rest, null, null), null, null, null);
            boolean tools = !r.clientToolCalls().isEmpty();
            if (tools) {
                List<Wire.ToolCallDto> calls = new ArrayList<>();
                for (int i = 0; i < r.clientToolCalls().size(); i++) calls.add(Wire.ToolCallDto.of(r.clientToolCalls().get(i), i));
                chunk(new Wire.Delta(null, null, null, calls), null, null, null);
            }
            ObjectNode done = job.museField(r, job.elapsedMillis(), artifacts).put("type", "done");
            chunk(Wire.Delta.EMPTY, tools ? "tool_calls" : "stop", null, done);
            if (job.call.includeUsage()) {
                write(new Wire.Chunk(job.chatId(), "chat.completion.chunk", job.created, job.call.model(), List.of(),
                        Wire.UsageDto.of(r.usage()), null));
            }
            raw("data: [DONE]\n\n");
        }

        void error(ApiError err) throws IOException {
            raw("data: " + Json.write(new Wire.ErrorBody(new Wire.ErrorDto(err.getMessage(), err.type, err.param, err.code))) + "\n\n");
        }

        void ping() throws IOException {
            raw(": ping\n\n");
        }

        private void chunk(Wire.Delta delta, String finish, Wire.UsageDto usage, JsonNode muse) throws IOException {
            write(new Wire.Chunk(job.chatId(), "chat.completion.chunk", job.created, job.call.model(),
                    List.of(new Wire.ChunkChoice(0, delta, null, finish)), usage, muse));
        }

        private void write(Wire.Chunk c) throws IOException {
            raw("data: " + Json.write(c) + "\n\n");
        }

        private void raw(String s) throws IOException {
            os.write(s.getBytes(StandardCharsets.UTF_8));
            os.flush();
        }
    }

    // ---- errors

    private static String statusOf(RuntimeException e) {
        return e instanceof ModelException me && me.kind() == ModelException.Kind.CANCELLED ? "cancelled" : "failed";
    }

    ApiError toApiError(RuntimeException e) {
        return switch (e) {
            case ApiError a -> a;
            case ModelException me -> {
                metrics.backendError(me.kind().name().toLowerCase());
                yield switch (me.kind()) {
                    case BAD_REQUEST, UNSUPPORTED -> new ApiError(400, "invalid_request_error", null, "backend_rejected", me.getMessage());
                    case RATE_LIMITED -> new ApiError(429, "rate_limit_exceeded", null, "backend_rate_limited",
                            "the model backend is rate limiting Muse: " + me.getMessage() + ". Retry later.");
                    case CANCELLED -> new ApiError(499, "cancelled", null, "cancelled", me.getMessage());
                    case AUTH, NOT_FOUND, UNREACHABLE, TIMEOUT, SERVER, PROTOCOL -> new ApiError(503, "backend_unavailable", null,
                            "backend_" + me.kind().name().toLowerCase(), "the model backend is unavailable: " + me.getMessage());
                };
            }
            case IllegalArgumentException iae -> ApiError.badRequest(
                    iae.getMessage() != null && iae.getMessage().startsWith("unknown tool") ? "muse.tools" : null, iae.getMessage());
            default -> {
                LOG.log(System.Logger.Level.ERROR, "run failed unexpectedly", e);
                yield new ApiError(500, "server_error", null, null, "Muse failed unexpectedly: " + e + " (see the server log)");
            }
        };
    }
}
