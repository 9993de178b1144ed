package dev.muse.cli;

import dev.muse.server.ApiKeys;
import dev.muse.server.ServerConfig;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "keys", mixinStandardHelpOptions = true, description = "Manage the server's API keys (stored hashed).",
        subcommands = {KeysCommand.Create.class, KeysCommand.ListKeys.class, KeysCommand.Revoke.class})
final class KeysCommand implements Runnable {
    @Override
    public void run() {
        throw new UserError("use one of: muse keys create NAME | muse keys list | muse keys revoke ID");
    }

    static ApiKeys open(String database) {
        ServerConfig sc = ServerConfig.defaults().withDataDir(MuseConfig.museHome())
                .withDatabaseUrl(ResolvedBackend.firstNonBlank(database, System.getenv("MUSE_DATABASE_URL")));
        try {
            return ApiKeys.open(sc);
        } catch (IllegalStateException e) {
            throw new UserError(e.getMessage());
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a key; it is printed once.")
    static final class Create implements Callable<Integer> {
        @Parameters(paramLabel = "NAME", description = "Who or what the key is for.")
        String name;

        @Option(names = "--database", paramLabel = "JDBC_URL")
        String database;

        @Override
        public Integer call() {
            try (ApiKeys keys = open(database)) {
                var k = keys.create(name);
                System.err.println("created key " + k.id() + " for '" + k.name() + "'; store it now, it is not shown again:");
                System.out.println(k.key());
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List keys (never their secrets).")
    static final class ListKeys implements Callable<Integer> {
        @Option(names = "--database", paramLabel = "JDBC_URL")
        String database;

        @Override
        public Integer call() {
            try (ApiKeys keys = open(database)) {
                for (var k : keys.list()) {
                    System.out.println(String.format(Locale.ROOT, "%-14s %-24s created %s  %s  tokens used %,d", k.id(), k.name(),
                            k.createdAt(), k.active() ? "active" : "revoked " + k.revokedAt(), k.tokensUsed()));
                }
            }
            return 0;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a key by id (or by the key itself).")
    static final class Revoke implements Callable<Integer> {
        @Parameters(paramLabel = "ID")
        String id;

        @Option(names = "--database", paramLabel = "JDBC_URL")
        String database;

        @Override
        public Integer call() {
            try (ApiKeys keys = open(database)) {
                if (!keys.revoke(id)) throw new UserError("no active key with id '" + id + "' (muse keys list shows them)");
                System.err.println("revoked " + id);
            }
            return 0;
        }
    }
}
