package dev.muse.server;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/** The connection pool over H2 (default, a file under the data dir) or PostgreSQL, migrated by Flyway on open. */
final class Database implements AutoCloseable {
    private final HikariDataSource pool;
    private final String url;

    private Database(HikariDataSource pool, String url) {
        this.pool = pool;
        this.url = url;
    }

    /** Opens and migrates the database named by {@code jdbcUrl}, or the default file database under {@code dataDir}. */
    static Database open(String jdbcUrl, Path dataDir) {
        String url = jdbcUrl;
        if (url == null || url.isBlank()) {
            try {
                Files.createDirectories(dataDir);
            } catch (java.io.IOException e) {
                throw new IllegalStateException("cannot create the data directory " + dataDir + ": " + e.getMessage()
                        + " (set another directory or a --database JDBC URL)", e);
            }
            // AUTO_SERVER lets `muse keys` open the file while `muse serve` holds it
            url = "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("muse") + ";AUTO_SERVER=TRUE";
        }
        if (!url.startsWith("jdbc:h2:") && !url.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("unsupported database URL '" + url
                    + "': use jdbc:postgresql://host/db or jdbc:h2:file:/path (or none for the default file database)");
        }
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(url);
        hc.setMaximumPoolSize(8);
        hc.setPoolName("muse-db");
        hc.setInitializationFailTimeout(10_000);
        String user = System.getenv("MUSE_DB_USER");
        String password = System.getenv("MUSE_DB_PASSWORD");
        if (user != null) hc.setUsername(user);
        if (password != null) hc.setPassword(password);
        HikariDataSource ds;
        try {
            ds = new HikariDataSource(hc);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot open the database " + redact(url) + ": " + rootMessage(e), e);
        }
        try {
            Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
        } catch (RuntimeException e) {
            ds.close();
            throw new IllegalStateException("cannot migrate the database " + redact(url) + ": " + rootMessage(e), e);
        }
        return new Database(ds, url);
    }

    DataSource dataSource() {
        return pool;
    }

    Connection connection() throws SQLException {
        return pool.getConnection();
    }

    String url() {
        return url;
    }

    boolean isPostgres() {
        return url.startsWith("jdbc:postgresql:");
    }

    @Override
    public void close() {
        pool.close();
    }

    private static String redact(String url) {
        return url.replaceAll("password=[^&;]*", "password=***");
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
