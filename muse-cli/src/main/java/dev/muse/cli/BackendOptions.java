package dev.muse.cli;

import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** The backend flags shared by every command that talks to a model. */
final class BackendOptions {
    @Option(names = "--backend", paramLabel = "NAME",
            description = "A backend named in muse.yaml, or a type: openai, anthropic, local (env MUSE_BACKEND).")
    String backend;

    @Option(names = "--base-url", paramLabel = "URL",
            description = "OpenAI-compatible base URL, e.g. http://localhost:11434/v1 (env MUSE_BASE_URL).")
    String baseUrl;

    @Option(names = "--api-key", paramLabel = "KEY", description = "API key (env MUSE_API_KEY; ANTHROPIC_API_KEY for anthropic).")
    String apiKey;

    @Option(names = "--model", paramLabel = "NAME|FILE",
            description = "Model name on the server, or a local GGUF / llama2.c file or a name from `muse models` (env MUSE_MODEL).")
    String model;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "Tokenizer file for a llama2.c checkpoint (tok512.bin style).")
    Path tokenizer;

    @Option(names = "--threads", paramLabel = "N", description = "Threads for the embedded engine (default: all cores).")
    Integer threads;

    @Option(names = "--judge", paramLabel = "BACKEND",
            description = "A backend from muse.yaml that judges Contemplating's answers and may pick a minority answer it can verify.")
    String judge;

    @Option(names = "--agent-backends", paramLabel = "a,b", split = ",",
            description = "Backends from muse.yaml for Contemplating's agents in turn (a mixture of models).")
    List<String> agentBackends;

    @Option(names = "--config", paramLabel = "FILE", description = "Config file (default: ./muse.yaml, then ~/.muse/muse.yaml).")
    Path config;

    /** The same flags with {@code --backend name}. */
    BackendOptions withBackend(String name) {
        BackendOptions o = new BackendOptions();
        o.backend = name;
        o.baseUrl = baseUrl;
        o.apiKey = apiKey;
        o.model = model;
        o.tokenizer = tokenizer;
        o.threads = threads;
        o.config = config;
        o.judge = judge;
        o.agentBackends = agentBackends;
        return o;
    }
}
