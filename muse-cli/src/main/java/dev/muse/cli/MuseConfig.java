package dev.muse.cli;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The optional {@code muse.yaml}: named backends, MCP servers, enabled tools and defaults. Looked up in the current
 * directory, then in {@code ~/.muse/}. Flags override environment variables, which override this file.
 */
@JsonIgnoreProperties(ignoreUnknown = false)
record MuseConfig(
        @JsonProperty("default_backend") String defaultBackend,
        @JsonProperty("backends") Map<String, BackendEntry> backends,
        @JsonProperty("mcp_servers") Map<String, Map<String, Object>> mcpServers,
        @JsonProperty("tools") List<String> tools,
        @JsonProperty("defaults") Defaults defaults,
        @JsonProperty("judge") String judge,
        @JsonProperty("agent_backends") List<String> agentBackends) {

    static final MuseConfig EMPTY = new MuseConfig(null, Map.of(), Map.of(), List.of(), null, null, null);

    MuseConfig {
        backends = backends == null ? Map.of() : new LinkedHashMap<>(backends);
        mcpServers = mcpServers == null ? Map.of() : new LinkedHashMap<>(mcpServers);
        tools = tools == null ? List.of() : List.copyOf(tools);
        defaults = defaults == null ? new Defaults(null, null, null, null) : defaults;
        agentBackends = agentBackends == null ? List.of() : List.copyOf(agentBackends);
    }

    /**
     * One backend.
     *
     * @param type {@code openai} (any OpenAI-compatible server), {@code anthropic}, or {@code local} (a GGUF file)
     * @param apiKeyEnv the name of an environment variable holding the key, so keys stay out of the file
     */
    record BackendEntry(
            @JsonProperty("type") String type,
            @JsonProperty("base_url") String baseUrl,
            @JsonProperty("api_key") String apiKey,
            @JsonProperty("api_key_env") String apiKeyEnv,
            @JsonProperty("model") String model,
            @JsonProperty("timeout") String timeout,
            @JsonProperty("max_retries") Integer maxRetries,
            @JsonProperty("threads") Integer threads,
            @JsonProperty("context") Integer context) {}

    record Defaults(
            @JsonProperty("mode") String mode,
            @JsonProperty("agents") Integer agents,
            @JsonProperty("thinking_budget") Integer thinkingBudget,
            @JsonProperty("max_tokens") Integer maxTokens) {}

    /** Finds and reads the config file; EMPTY when there is none. */
    static MuseConfig load(Path explicit) {
        Path file = explicit;
        if (file == null) {
            for (Path candidate : List.of(Path.of("muse.yaml"), museHome().resolve("muse.yaml"))) {
                if (Files.isRegularFile(candidate)) {
                    file = candidate;
                    break;
                }
            }
        }
        if (file == null) return EMPTY;
        if (!Files.isRegularFile(file)) throw new UserError("config file not found: " + file);
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        try {
            MuseConfig c = yaml.readValue(file.toFile(), MuseConfig.class);
            return c == null ? EMPTY : c;
        } catch (UnrecognizedPropertyException e) {
            throw new UserError("in " + file + ": unknown setting '" + e.getPropertyName() + "' (known: "
                    + e.getKnownPropertyIds() + ")");
        } catch (IOException e) {
            String msg = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            throw new UserError("cannot read " + file + ": " + msg);
        }
    }

    static Path museHome() {
        String override = System.getenv("MUSE_HOME");
        return override != null && !override.isBlank() ? Path.of(override) : Path.of(System.getProperty("user.home"), ".muse");
    }
}
