package dev.muse.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * One backend with every setting decided: flags over environment over muse.yaml.
 *
 * @param type "openai", "anthropic" or "local"
 */
record ResolvedBackend(
        String name, String type, String baseUrl, String apiKey, String model, Path tokenizer, Duration timeout,
        int maxRetries, Integer threads, Integer context) {

    static final List<String> TYPES = List.of("openai", "anthropic", "local");
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);

    /** Decides the backend for a command from its flags, the environment and the config file. */
    static ResolvedBackend resolve(BackendOptions flags, MuseConfig config, java.util.function.Function<String, String> env) {
        String chosen = firstNonBlank(flags.backend, env.apply("MUSE_BACKEND"), config.defaultBackend());
        MuseConfig.BackendEntry entry = null;
        String type = null;
        if (chosen != null) {
            entry = config.backends().get(chosen);
            if (entry == null) {
                if (TYPES.contains(chosen.toLowerCase(Locale.ROOT))) {
                    type = chosen.toLowerCase(Locale.ROOT);
                } else {
                    String known = config.backends().isEmpty() ? "none is defined in muse.yaml" : "muse.yaml defines " + String.join(", ", config.backends().keySet());
                    throw new UserError("unknown backend '" + chosen + "': " + known + "; or use a type: openai, anthropic, local");
                }
            } else {
                type = entry.type() == null ? "openai" : entry.type().toLowerCase(Locale.ROOT);
                if (!TYPES.contains(type)) {
                    throw new UserError("backend '" + chosen + "' in muse.yaml has type '" + entry.type() + "': use openai, anthropic or local");
                }
            }
        }
        String model = firstNonBlank(flags.model, env.apply("MUSE_MODEL"), entry == null ? null : entry.model());
        String baseUrl = firstNonBlank(flags.baseUrl, env.apply("MUSE_BASE_URL"), entry == null ? null : entry.baseUrl());
        if (type == null) {
            // no backend named: a model file means the embedded engine, a URL means a server
            if (baseUrl == null && model != null && LocalModelStore.looksLocal(model)) type = "local";
            else if (baseUrl == null && env.apply("ANTHROPIC_API_KEY") != null && env.apply("MUSE_API_KEY") == null) type = "anthropic";
            else type = "openai";
        }
        String apiKey = firstNonBlank(flags.apiKey, env.apply("MUSE_API_KEY"), entry == null ? null : entry.apiKey(),
                entry == null || entry.apiKeyEnv() == null ? null : env.apply(entry.apiKeyEnv()),
                type.equals("anthropic") ? env.apply("ANTHROPIC_API_KEY") : null,
                type.equals("openai") && baseUrl != null && baseUrl.contains("api.openai.com") ? env.apply("OPENAI_API_KEY") : null);
        Duration timeout = Durations.parse(entry == null ? null : entry.timeout(), "timeout of backend '" + chosen + "'");
        int retries = entry != null && entry.maxRetries() != null ? entry.maxRetries() : 3;
        Integer threads = flags.threads != null ? flags.threads : entry == null ? null : entry.threads();
        if (threads != null && threads < 1) throw new UserError("--threads must be at least 1, got " + threads);
        Integer context = entry == null ? null : entry.context();

        switch (type) {
            case "openai" -> {
                if (baseUrl == null) {
                    throw new UserError("no backend configured: pass --base-url URL (e.g. http://localhost:11434/v1 for Ollama, "
                            + "http://localhost:8080/v1 for llama.cpp), set MUSE_BASE_URL, name a backend in muse.yaml, "
                            + "or pass --model FILE.gguf to run a model in-process");
                }
                if (!baseUrl.startsWith("http://") && !baseUrl.startsWith("https://")) {
                    throw new UserError("base URL must start with http:// or https://, got '" + baseUrl + "'");
                }
            }
            case "anthropic" -> {
                if (baseUrl == null) baseUrl = "https://api.anthropic.com";
                if (apiKey == null) throw new UserError("the anthropic backend needs a key: set ANTHROPIC_API_KEY or pass --api-key");
                if (model == null) throw new UserError("the anthropic backend needs --model (e.g. claude-sonnet-4-5)");
            }
            case "local" -> {
                if (model == null) throw new UserError("the local backend needs --model FILE.gguf (or a name from `muse models`)");
            }
            default -> throw new IllegalStateException(type);
        }
        String name = chosen != null && entry != null ? chosen : type;
        return new ResolvedBackend(name, type, baseUrl, apiKey, model, flags.tokenizer,
                timeout == null ? DEFAULT_TIMEOUT : timeout, retries, threads, context);
    }

    static String firstNonBlank(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) return v.strip();
        }
        return null;
    }

    static boolean isFile(String s) {
        try {
            return Files.isRegularFile(Path.of(s));
        } catch (RuntimeException e) {
            return false;
        }
    }
}
