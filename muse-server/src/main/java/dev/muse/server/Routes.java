package dev.muse.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.util.List;

/**
 * The route table: every endpoint with its handler as a method reference, plus the one error mapper that turns
 * every failure into OpenAI's error JSON. {@link MuseServer} and the tests both install it with {@link #install}.
 */
final class Routes {
    private static final System.Logger LOG = System.getLogger(Routes.class.getName());
    static final String PRINCIPAL = "muse.principal";

    private final ServerConfig config;
    private final CompletionParser parser;
    private final Completions completions;
    private final Store store;
    private final ApiKeys keys;
    private final Limits limits;
    private final Metrics metrics;
    private final List<String> backendIds;
    private volatile long keysCheckedAt;
    private volatile boolean keysActive;

    Routes(ServerConfig config, List<String> backendIds, CompletionParser parser, Completions completions, Store store,
            ApiKeys keys, Limits limits, Metrics metrics) {
        this.config = config;
        this.backendIds = List.copyOf(backendIds);
        this.parser = parser;
        this.completions = completions;
        this.store = store;
        this.keys = keys;
        this.limits = limits;
        this.metrics = metrics;
    }

    void install(Javalin app) {
        app.before(this::checkBodySize);
        app.before("/v1/*", this::authenticate);
        app.before("/metrics", this::authenticateMetrics);
        app.get("/healthz", this::health);
        app.get("/metrics", this::metrics);
        app.get("/v1/muse/info", this::info);
        app.get("/v1/models", this::models);
        app.get("/v1/models/{id}", this::model);
        app.post("/v1/chat/completions", this::chatCompletions);
        app.get("/v1/muse/runs/{id}", this::run);
        app.get("/v1/muse/conversations", this::listConversations);
        app.post("/v1/muse/conversations", this::createConversation);
        app.get("/v1/muse/conversations/{id}", this::conversation);
        app.patch("/v1/muse/conversations/{id}", this::renameConversation);
        app.delete("/v1/muse/conversations/{id}", this::deleteConversation);
        app.after(this::countRequest);

        app.exception(ApiError.class, this::apiError);
        app.exception(HttpResponseException.class, this::httpError);
        app.exception(Exception.class, this::unexpected);
        app.error(404, this::notFound);
    }

    // ---- filters

    private void checkBodySize(Context ctx) {
        long len = ctx.req().getContentLengthLong();
        if (len > config.maxBodyBytes()) throw tooLarge();
    }

    private ApiError tooLarge() {
        return new ApiError(413, "invalid_request_error", null, "request_too_large", "the request body is larger than this server's limit of "
                + config.maxBodyBytes() + " bytes: send smaller or fewer images (or raise the server's max body size)");
    }

    private void authenticate(Context ctx) {
        if (ctx.path().equals("/v1/muse/info")) return;
        ctx.attribute(PRINCIPAL, principal(ctx));
    }

    /** Metrics reveal usage, so once keys are required any active key may scrape (Prometheus' authorization). */
    private void authenticateMetrics(Context ctx) {
        principal(ctx);
    }

    private Principal principal(Context ctx) {
        String header = ctx.header("Authorization");
        String token = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).strip() : null;
        if (!authRequired()) return Principal.LOCAL;
        if (token == null || token.isEmpty()) {
            throw ApiError.unauthorized("You didn't provide an API key: send 'Authorization: Bearer <key>'"
                    + " (the server's operator creates keys with `muse keys create NAME`).");
        }
        return keys.authenticate(token).map(Principal::ofKey)
                .orElseThrow(() -> ApiError.unauthorized("Incorrect API key provided: the key is unknown or revoked."));
    }

    /** Keys are required off loopback always, and on loopback once any key exists (checked every 2 s). */
    boolean authRequired() {
        if (!config.loopback()) return true;
        long now = System.currentTimeMillis();
        if (now - keysCheckedAt > 2000) {
            keysActive = keys.anyActive();
            keysCheckedAt = now;
        }
        return keysActive;
    }

    private void countRequest(Context ctx) {
        String route;
        try {
            route = ctx.endpointHandlerPath();
        } catch (RuntimeException e) {
            route = "unmatched";
        }
        if (route == null || route.isEmpty() || route.equals("*")) route = "static";
        metrics.request(ctx.method().name(), route, ctx.statusCode());
    }

    // ---- handlers

    private void health(Context ctx) {
        boolean db = store.ping();
        ctx.status(db ? 200 : 503);
        send(ctx, Json.MAPPER.createObjectNode().put("status", db ? "ok" : "degraded").put("database", db ? "ok" : "unreachable"));
    }

    private void metrics(Context ctx) {
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape());
    }

    private void info(Context ctx) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("object", "muse.info");
        o.put("auth_required", authRequired());
        o.put("default_mode", config.defaultMode().wireName());
        o.put("max_body_bytes", config.maxBodyBytes());
        o.put("http_images", config.allowHttpImages());
        ArrayNode models = o.putArray("models");
        parser.allModels().forEach(models::add);
        ArrayNode backends = o.putArray("backends");
        backendIds.forEach(backends::add);
        send(ctx, o);
    }

    private void models(Context ctx) {
        List<Wire.ModelDto> data = parser.allModels().stream().map(Routes::modelDto).toList();
        send(ctx, new Wire.ModelList("list", data));
    }

    private void model(Context ctx) {
        String id = ctx.pathParam("id");
        if (!parser.allModels().contains(id)) throw new ApiError(404, "invalid_request_error", "model", "model_not_found",
                "The model '" + id + "' does not exist on this server (see GET /v1/models)");
        send(ctx, modelDto(id));
    }

    private static Wire.ModelDto modelDto(String id) {
        return new Wire.ModelDto(id, "model", 0, id.startsWith("muse-") ? "muse" : "backend");
    }

    private void chatCompletions(Context ctx) {
        Principal who = ctx.attribute(PRINCIPAL);
        limits.checkRate(who);
        JsonNode body = readJson(ctx);
        CompletionParser.Call call = parser.parse(body);
        Long quotaLeft = limits.checkQuota(who);
        completions.handle(ctx, who, call, quotaLeft);
    }

    private void run(Context ctx) {
        Principal who = ctx.attribute(PRINCIPAL);
        String id = ctx.pathParam("id");
        ObjectNode run = store.run(who.owner(), id).orElseThrow(() -> ApiError.notFound("no run '" + id + "'"));
        send(ctx, run);
    }

    private void listConversations(Context ctx) {
        Principal who = ctx.attribute(PRINCIPAL);
        ObjectNode o = Json.MAPPER.createObjectNode().put("object", "list");
        ArrayNode data = o.putArray("data");
        for (Store.Conversation c : store.conversations(who.owner())) data.add(conversationJson(c));
        send(ctx, o);
    }

    private void createConversation(Context ctx) {
        Principal who = ctx.attribute(PRINCIPAL);
        String title = null;
        if (!ctx.body().isBlank()) {
            JsonNode body = readJson(ctx);
            JsonNode t = body.get("title");
            if (t != null && !t.isNull() && !t.isTextual()) throw ApiError.badRequest("title", "'title' must be a string");
            if (t != null && t.isTextual()) title = t.asText();
        }
        ctx.status(201);
        send(ctx, conversationJson(store.createConversation(who.owner(), title)));
    }

    private void conversation(Context ctx) {
        Principal who = ctx.attribute(PRINCIPAL);
        Store.Conversation c = ownConversation(ctx, who);
        ObjectNode o = conversationJson(c);
        o.set("messages", store.messages(c.id()));
        send(ctx, o);
    }

    private void renameConversation(Context ctx) {
        Principal who = ctx.attribute(PRINCIPAL);
        Store.Conversation c = ownConversation(ctx, who);
        JsonNode body = readJson(ctx);
        JsonNode t = body.get("title");
        if (t == null || !t.isTextual() || t.asText().isBlank()) throw ApiError.badRequest("title", "send {\"title\": \"a new title\"}");
        store.renameConversation(who.owner(), c.id(), t.asText());
        send(ctx, conversationJson(store.conversation(who.owner(), c.id()).orElseThrow()));
    }

    private void deleteConversation(Context ctx) {
        Principal who = ctx.attribute(PRINCIPAL);
        Store.Conversation c = ownConversation(ctx, who);
        store.deleteConversation(who.owner(), c.id());
        send(ctx, Json.MAPPER.createObjectNode().put("id", c.id()).put("object", "muse.conversation.deleted").put("deleted", true));
    }

    private Store.Conversation ownConversation(Context ctx, Principal who) {
        String id = ctx.pathParam("id");
        // 404, not 403, for someone else's conversation: ids do not leak
        return store.conversation(who.owner(), id).orElseThrow(() -> ApiError.notFound("no conversation '" + id + "'"));
    }

    private static ObjectNode conversationJson(Store.Conversation c) {
        return Json.MAPPER.createObjectNode().put("id", c.id()).put("object", "muse.conversation").put("title", c.title())
                .put("created", c.createdAt() / 1000).put("updated", c.updatedAt() / 1000);
    }

    // ---- helpers

    private JsonNode readJson(Context ctx) {
        byte[] bytes = ctx.bodyAsBytes();
        if (bytes.length > config.maxBodyBytes()) throw tooLarge();
        if (bytes.length == 0) throw ApiError.badRequest(null, "the request body is empty: send a JSON object");
        try {
            JsonNode n = Json.MAPPER.readTree(bytes);
            if (n == null || !n.isObject()) throw ApiError.badRequest(null, "the request body must be a JSON object");
            return n;
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw ApiError.badRequest(null, "the request body is not valid JSON" + where + ": " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw ApiError.badRequest(null, "cannot read the request body: " + e.getMessage());
        }
    }

    private static void send(Context ctx, Object body) {
        ctx.contentType("application/json").result(Json.write(body));
    }

    // ---- the error mapper

    private void apiError(ApiError e, Context ctx) {
        writeError(ctx, e.status, e.getMessage(), e.type, e.param, e.code);
    }

    private void httpError(HttpResponseException e, Context ctx) {
        int status = e.getStatus();
        if (status == 413) {
            ApiError t = tooLarge();
            writeError(ctx, 413, t.getMessage(), t.type, null, t.code);
            return;
        }
        if (status == 404) {
            ctx.status(404);
            notFound(ctx);
            return;
        }
        String type = status >= 500 ? "server_error" : "invalid_request_error";
        writeError(ctx, status, e.getMessage(), type, null, null);
    }

    private void unexpected(Exception e, Context ctx) {
        LOG.log(System.Logger.Level.ERROR, "request " + ctx.method() + " " + ctx.path() + " failed", e);
        writeError(ctx, 500, "Muse failed unexpectedly (" + e.getClass().getSimpleName() + ": " + e.getMessage()
                + "); the server log has the details", "server_error", null, null);
    }

    private void notFound(Context ctx) {
        if (ctx.result() != null && !ctx.result().isEmpty() && ctx.result().startsWith("{\"error\"")) return;
        if (ctx.path().startsWith("/v1/") || !ctx.method().name().equals("GET")) {
            writeError(ctx, 404, "Unknown endpoint " + ctx.method() + " " + ctx.path()
                    + ": see GET /v1/models, POST /v1/chat/completions, /v1/muse/conversations, /v1/muse/runs/{id}", "invalid_request_error", null, "unknown_url");
        } else {
            writeError(ctx, 404, "no page at " + ctx.path() + ": the chat page is at /", "invalid_request_error", null, "unknown_url");
        }
    }

    private static void writeError(Context ctx, int status, String message, String type, String param, String code) {
        if (status == 401) ctx.header("WWW-Authenticate", "Bearer");
        ctx.status(status).contentType("application/json").result(Json.write(new Wire.ErrorBody(new Wire.ErrorDto(message, type, param, code))));
    }
}
