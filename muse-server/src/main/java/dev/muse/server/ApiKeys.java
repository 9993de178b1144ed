package dev.muse.server;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * API keys for {@code muse keys create|list|revoke} and the server's authentication. A key is shown once, at
 * creation; only its SHA-256 is stored. Keys look like {@code muse-<id>-<secret>}, so a leaked key names its id.
 */
public final class ApiKeys implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Database db;
    private final boolean ownsDb;

    ApiKeys(Database db, boolean ownsDb) {
        this.db = db;
        this.ownsDb = ownsDb;
    }

    /** Opens the key store in the database {@code config} names (creating and migrating it if needed). */
    public static ApiKeys open(ServerConfig config) {
        return new ApiKeys(Database.open(config.databaseUrl(), config.dataDir()), true);
    }

    /** A key as created: {@code key} is the plaintext, shown this once. */
    public record CreatedKey(String id, String name, String key) {}

    /** A stored key, without its secret. */
    public record KeyInfo(String id, String name, Instant createdAt, Instant revokedAt, long tokensUsed) {
        public boolean active() {
            return revokedAt == null;
        }
    }

    /** Creates a key named {@code name} (a label for people, e.g. "alice" or "ci"). */
    public CreatedKey create(String name) {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("a key needs a name, e.g. 'alice' or 'ci'");
        if (name.length() > 200) throw new IllegalArgumentException("a key name is at most 200 characters");
        byte[] idBytes = new byte[5];
        byte[] secretBytes = new byte[24];
        RANDOM.nextBytes(idBytes);
        RANDOM.nextBytes(secretBytes);
        String id = HexFormat.of().formatHex(idBytes);
        String key = "muse-" + id + "-" + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(secretBytes);
        try (Connection c = db.connection();
                PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO api_keys (id, name, key_hash, created_at) VALUES (?, ?, ?, ?)")) {
            ps.setString(1, id);
            ps.setString(2, name.strip());
            ps.setString(3, hash(key));
            ps.setLong(4, System.currentTimeMillis());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot store the key: " + e.getMessage(), e);
        }
        return new CreatedKey(id, name.strip(), key);
    }

    public List<KeyInfo> list() {
        List<KeyInfo> out = new ArrayList<>();
        try (Connection c = db.connection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT id, name, created_at, revoked_at, tokens_used FROM api_keys ORDER BY created_at");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                long revoked = rs.getLong(4);
                Instant revokedAt = rs.wasNull() ? null : Instant.ofEpochMilli(revoked); // wasNull is about the last column read
                out.add(new KeyInfo(rs.getString(1), rs.getString(2), Instant.ofEpochMilli(rs.getLong(3)), revokedAt, rs.getLong(5)));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot list keys: " + e.getMessage(), e);
        }
        return out;
    }

    /** Revokes the key with this id (or the whole key text); false if no active key matched. */
    public boolean revoke(String idOrKey) {
        if (idOrKey == null || idOrKey.isBlank()) throw new IllegalArgumentException("name the key id to revoke (see `muse keys list`)");
        String s = idOrKey.strip();
        String id = s.startsWith("muse-") && s.length() > 16 ? s.substring(5, 15) : s;
        try (Connection c = db.connection();
                PreparedStatement ps = c.prepareStatement(
                        "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")) {
            ps.setLong(1, System.currentTimeMillis());
            ps.setString(2, id);
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot revoke the key: " + e.getMessage(), e);
        }
    }

    /** Whether any key is active: then every API request must carry one. */
    public boolean anyActive() {
        try (Connection c = db.connection();
                PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM api_keys WHERE revoked_at IS NULL");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1) > 0;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read keys: " + e.getMessage(), e);
        }
    }

    /** The id of the active key whose plaintext is {@code key}. */
    Optional<KeyInfo> authenticate(String key) {
        if (key == null || key.isBlank()) return Optional.empty();
        try (Connection c = db.connection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT id, name, created_at, tokens_used FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL")) {
            ps.setString(1, hash(key.strip()));
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return Optional.empty();
                return Optional.of(new KeyInfo(rs.getString(1), rs.getString(2), Instant.ofEpochMilli(rs.getLong(3)), null, rs.getLong(4)));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read keys: " + e.getMessage(), e);
        }
    }

    long tokensUsed(String id) {
        try (Connection c = db.connection();
                PreparedStatement ps = c.prepareStatement("SELECT tokens_used FROM api_keys WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read keys: " + e.getMessage(), e);
        }
    }

    void addTokens(String id, long tokens) {
        try (Connection c = db.connection();
                PreparedStatement ps = c.prepareStatement("UPDATE api_keys SET tokens_used = tokens_used + ? WHERE id = ?")) {
            ps.setLong(1, tokens);
            ps.setString(2, id);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot update key usage: " + e.getMessage(), e);
        }
    }

    static String hash(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }

    @Override
    public void close() {
        if (ownsDb) db.close();
    }
}
