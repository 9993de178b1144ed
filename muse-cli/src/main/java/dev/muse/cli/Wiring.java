package dev.muse.cli;

import dev.muse.core.ChatModel;
import dev.muse.reasoning.Muse;
import dev.muse.tools.Tool;
import dev.muse.tools.ToolRegistry;
import java.util.ArrayList;
import java.util.List;

/**
 * The one place that turns configuration into running parts: the backend's {@link ChatModel}, the enabled tools
 * (built-ins and MCP servers) and the {@link Muse} over them. Closing it releases connections, MCP processes and
 * mapped model files.
 */
final class Wiring implements AutoCloseable {
    private final ResolvedBackend backend;
    private final ChatModel model;
    private final String modelId;
    private final Muse muse;
    private final List<AutoCloseable> resources;
    private final List<String> enabledTools;

    private Wiring(ResolvedBackend backend, Backends.Opened opened, Muse muse, List<AutoCloseable> resources, List<String> enabledTools) {
        this.enabledTools = List.copyOf(enabledTools);
        this.backend = backend;
        this.model = opened.model();
        this.modelId = opened.modelId();
        this.muse = muse;
        this.resources = resources;
    }

    static Wiring open(BackendOptions flags, MuseConfig config, List<String> toolNames) {
        ResolvedBackend backend = ResolvedBackend.resolve(flags, config, System::getenv);
        List<AutoCloseable> resources = new ArrayList<>();
        Backends.Opened opened = Backends.open(backend);
        ChatModel model = opened.model();
        resources.add(model::close);
        try {
            List<Tool> tools = Tools.select(toolNames, config, resources);
            Muse.Builder builder = Muse.builder().model(model).tools(ToolRegistry.of(tools));
            String judgeName = ResolvedBackend.firstNonBlank(flags.judge, config.judge());
            if (judgeName != null) builder.judge(openNamed(judgeName, flags, config, resources, "--judge"));
            List<String> mixture = flags.agentBackends != null ? flags.agentBackends : config.agentBackends();
            if (!mixture.isEmpty()) {
                List<ChatModel> agents = new ArrayList<>();
                for (String name : mixture) agents.add(openNamed(name.strip(), flags, config, resources, "--agent-backends"));
                builder.agentModels(agents);
            }
            Muse muse = builder.build();
            // an MCP server's name stands for all of its tools: runs name each tool it may call
            List<String> enabled = new ArrayList<>(tools.stream().map(Tool::name).toList());
            if (toolNames.contains(Tools.SPAWN_AGENT)) enabled.add(Tools.SPAWN_AGENT);
            return new Wiring(backend, opened, muse, resources, enabled);
        } catch (RuntimeException e) {
            closeAll(resources);
            throw e;
        }
    }

    /** Opens another backend of muse.yaml by name, for a judge or a mixture of agents. */
    private static ChatModel openNamed(String name, BackendOptions flags, MuseConfig config, List<AutoCloseable> resources, String flag) {
        if (!config.backends().containsKey(name)) {
            throw new UserError(flag + " names '" + name + "', which is not a backend in muse.yaml"
                    + (config.backends().isEmpty() ? "" : " (it defines " + String.join(", ", config.backends().keySet()) + ")"));
        }
        BackendOptions only = new BackendOptions();
        only.backend = name;
        only.config = flags.config;
        ChatModel m = Backends.open(ResolvedBackend.resolve(only, config, k -> k.startsWith("MUSE_") ? null : System.getenv(k))).model();
        resources.add(m::close);
        return m;
    }

    Muse muse() {
        return muse;
    }

    /** The tools a run may use: built-ins, every tool of each named MCP server, and spawn_agent when asked for. */
    List<String> enabledTools() {
        return enabledTools;
    }

    ChatModel model() {
        return model;
    }

    /** The model's id as the server lists it: the backend's model name, or the local file's name. */
    String modelId() {
        return modelId;
    }

    String describe() {
        return model.name() + (backend.baseUrl() != null && !backend.type().equals("local") ? " at " + backend.baseUrl() : "");
    }

    @Override
    public void close() {
        closeAll(resources);
    }

    private static void closeAll(List<AutoCloseable> resources) {
        for (AutoCloseable r : resources.reversed()) {
            try {
                r.close();
            } catch (Exception ignored) {
                // closing is best effort: the process is ending
            }
        }
    }
}
