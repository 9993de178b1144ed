package dev.muse.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.muse.core.Usage;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Conversations, messages, runs and artifacts, each row scoped by its owner (an API key id, or "local" without
 * keys). Every write is its own transaction so a message is durable the moment it completes.
 */
final class Store {
    static final String DEFAULT_TITLE = "New conversation";
    private final Database db;

    Store(Database db) {
        this.db = db;
    }

    record Conversation(String id, String title, long createdAt, long updatedAt) {}

    static String newId(String prefix) {
        return prefix + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
    }

    // ---- conversations

    Conversation createConversation(String owner, String title) {
        String id = newId("conv_");
        long now = System.currentTimeMillis();
        String t = title == null || title.isBlank() ? DEFAULT_TITLE : abbreviate(title.strip(), 200);
        update("INSERT INTO conversations (id, owner, title, created_at, updated_at) VALUES (?, ?, ?, ?, ?)", id, owner, t, now, now);
        return new Conversation(id, t, now, now);
    }

    List<Conversation> conversations(String owner) {
        List<Conversation> out = new ArrayList<>();
        try (Connection c = db.connection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT id, title, created_at, updated_at FROM conversations WHERE owner = ? ORDER BY updated_at DESC")) {
            ps.setString(1, owner);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(new Conversation(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4)));
            }
        } catch (SQLException e) {
            throw storeFailure(e);
        }
        return out;
    }

    Optional<Conversation> conversation(String owner, String id) {
        try (Connection c = db.connection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT id, title, created_at, updated_at FROM conversations WHERE owner = ? AND id = ?")) {
            ps.setString(1, owner);
            ps.setString(2, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Conversation(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4))) : Optional.empty();
            }
        } catch (SQLException e) {
            throw storeFailure(e);
        }
    }

    boolean deleteConversation(String owner, String id) {
        return update("DELETE FROM conversations WHERE owner = ? AND id = ?", owner, id) == 1;
    }

    void renameConversation(String owner, String id, String title) {
        update("UPDATE conversations SET title = ? WHERE owner = ? AND id = ?", abbreviate(title.strip(), 200), owner, id);
    }

    /** Appends a message (content in OpenAI's wire shape) and commits it at once. */
    String appendMessage(String conversationId, String role, JsonNode content, String reasoning, String runId, JsonNode meta) {
        String id = newId("msg_");
        long now = System.currentTimeMillis();
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try {
                int seq;
                try (PreparedStatement ps = c.prepareStatement("SELECT COALESCE(MAX(seq), 0) FROM messages WHERE conversation_id = ?")) {
                    ps.setString(1, conversationId);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        seq = rs.getInt(1) + 1;
                    }
                }
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO messages (id, conversation_id, seq, role, content_json, reasoning, run_id, meta_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                    ps.setString(1, id);
                    ps.setString(2, conversationId);
                    ps.setInt(3, seq);
                    ps.setString(4, role);
                    ps.setString(5, Json.write(content));
                    setNullable(ps, 6, reasoning == null || reasoning.isEmpty() ? null : reasoning);
                    setNullable(ps, 7, runId);
                    setNullable(ps, 8, meta == null ? null : Json.write(meta));
                    ps.setLong(9, now);
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement("UPDATE conversations SET updated_at = ? WHERE id = ?")) {
                    ps.setLong(1, now);
                    ps.setString(2, conversationId);
                    ps.executeUpdate();
                }
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw storeFailure(e);
        }
        return id;
    }

    /** The messages of a conversation as JSON objects, oldest first. */
    ArrayNode messages(String conversationId) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        try (Connection c = db.connection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT id, role, content_json, reasoning, run_id, meta_json, created_at FROM messages WHERE conversation_id = ? ORDER BY seq")) {
            ps.setString(1, conversationId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ObjectNode m = out.addObject();
                    m.put("id", rs.getString(1));
                    m.put("role", rs.getString(2));
                    m.set("content", Json.read(rs.getString(3)));
                    String reasoning = rs.getString(4);
                    if (reasoning != null) m.put("reasoning_content", reasoning);
                    String runId = rs.getString(5);
                    if (runId != null) m.put("run_id", runId);
                    String meta = rs.getString(6);
                    if (meta != null) m.set("meta", Json.read(meta));
                    m.put("created", rs.getLong(7) / 1000);
                }
            }
        } catch (SQLException e) {
            throw storeFailure(e);
        }
        return out;
    }

    // ---- runs

    void startRun(String runId, String owner, String conversationId, String model, String requestedMode) {
        update("INSERT INTO runs (id, owner, conversation_id, model, requested_mode, status, created_at) VALUES (?, ?, ?, ?, ?, 'running', ?)",
                runId, owner, conversationId, model, requestedMode, System.currentTimeMillis());
    }

    void finishRun(String runId, String status, String mode, Usage usage, long elapsedMillis, String error, JsonNode result) {
        Usage u = usage == null ? Usage.ZERO : usage;
        update("UPDATE runs SET status = ?, mode = ?, input_tokens = ?, output_tokens = ?, reasoning_tokens = ?, elapsed_ms = ?, error = ?, result_json = ? WHERE id = ?",
                status, mode, u.inputTokens(), u.outputTokens(), u.reasoningTokens(), elapsedMillis, error,
                result == null ? null : Json.write(result), runId);
    }

    /** Runs left "running" by a crash or kill are marked interrupted on the next start. */
    int markInterruptedRuns() {
        return update("UPDATE runs SET status = 'interrupted' WHERE status = 'running'");
    }

    Optional<ObjectNode> run(String owner, String runId) {
        try (Connection c = db.connection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT id, conversation_id, model, requested_mode, mode, status, input_tokens, output_tokens, reasoning_tokens, elapsed_ms, error, result_json, created_at FROM runs WHERE owner = ? AND id = ?")) {
            ps.setString(1, owner);
            ps.setString(2, runId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return Optional.empty();
                ObjectNode r = Json.MAPPER.createObjectNode();
                r.put("id", rs.getString(1));
                r.put("object", "muse.run");
                r.put("conversation_id", rs.getString(2));
                r.put("model", rs.getString(3));
                r.put("requested_mode", rs.getString(4));
                r.put("mode", rs.getString(5));
                r.put("status", rs.getString(6));
                ObjectNode usage = r.putObject("usage");
                usage.put("prompt_tokens", rs.getLong(7));
                usage.put("completion_tokens", rs.getLong(8));
                usage.put("total_tokens", rs.getLong(7) + rs.getLong(8));
                usage.putObject("completion_tokens_details").put("reasoning_tokens", rs.getLong(9));
                r.put("elapsed_ms", rs.getLong(10));
                r.put("error", rs.getString(11));
                String result = rs.getString(12);
                if (result != null) r.setAll((ObjectNode) Json.read(result));
                r.put("created", rs.getLong(13) / 1000);
                r.set("artifacts", artifacts(c, runId));
                return Optional.of(r);
            }
        } catch (SQLException e) {
            throw storeFailure(e);
        }
    }

    // ---- artifacts

    void addArtifact(String runId, String owner, Artifacts.Artifact a) {
        update("INSERT INTO artifacts (id, run_id, owner, kind, title, content, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                a.id(), runId, owner, a.kind(), a.title(), a.content(), System.currentTimeMillis());
    }

    private ArrayNode artifacts(Connection c, String runId) throws SQLException {
        ArrayNode out = Json.MAPPER.createArrayNode();
        try (PreparedStatement ps = c.prepareStatement("SELECT id, kind, title, content FROM artifacts WHERE run_id = ? ORDER BY created_at, id")) {
            ps.setString(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ObjectNode a = out.addObject();
                    a.put("id", rs.getString(1));
                    a.put("kind", rs.getString(2));
                    a.put("title", rs.getString(3));
                    a.put("content", rs.getString(4));
                }
            }
        }
        return out;
    }

    /** Whether the database answers (for /healthz). */
    boolean ping() {
        try (Connection c = db.connection()) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    // ---- helpers

    private int update(String sql, Object... args) {
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                Object a = args[i];
                switch (a) {
                    case null -> ps.setNull(i + 1, Types.VARCHAR);
                    case String s -> ps.setString(i + 1, s);
                    case Long l -> ps.setLong(i + 1, l);
                    case Integer n -> ps.setInt(i + 1, n);
                    default -> ps.setObject(i + 1, a);
                }
            }
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw storeFailure(e);
        }
    }

    private static void setNullable(PreparedStatement ps, int i, String v) throws SQLException {
        if (v == null) ps.setNull(i, Types.VARCHAR);
        else ps.setString(i, v);
    }

    private static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }

    private static IllegalStateException storeFailure(SQLException e) {
        return new IllegalStateException("database error: " + e.getMessage(), e);
    }
}
