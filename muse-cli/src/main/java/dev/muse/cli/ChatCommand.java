package dev.muse.cli;

import dev.muse.core.Cancellation;
import dev.muse.core.ChatMessage;
import dev.muse.core.ModelException;
import dev.muse.reasoning.Mode;
import dev.muse.reasoning.RunOptions;
import dev.muse.reasoning.RunResult;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "chat", mixinStandardHelpOptions = true, description = "An interactive conversation. Commands: /mode M, /agents N, /tools a,b, /clear, /history, /help, /exit.")
final class ChatCommand implements Callable<Integer> {
    @Mixin
    RunFlags run;

    @Mixin
    BackendOptions backend;

    @Option(names = "--system", paramLabel = "TEXT", description = "A system prompt for the conversation.")
    String system;

    private final AtomicReference<Cancellation> current = new AtomicReference<>();

    @Override
    public Integer call() throws Exception {
        MuseConfig config = MuseConfig.load(backend.config);
        RunOptions options = run.toOptions(config);
        PrintStream out = System.out;
        boolean color = Terminal.colorOnStderr();
        installInterruptHandler();
        try (Wiring wiring = Wiring.open(backend, config, options.tools())) {
            options = options.withTools(wiring.enabledTools());
            List<ChatMessage> history = new ArrayList<>();
            if (system != null && !system.isBlank()) history.add(ChatMessage.system(system));
            out.println("muse chat · " + wiring.describe() + " · mode " + options.mode().wireName()
                    + " · /help for commands, Ctrl-C cancels a run, /exit or Ctrl-D leaves");
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            while (true) {
                out.print(color ? "\u001b[1m› \u001b[0m" : "› ");
                out.flush();
                String line = in.readLine();
                if (line == null) break;
                line = line.strip();
                if (line.isEmpty()) continue;
                if (line.startsWith("/")) {
                    String[] parts = line.substring(1).split("\\s+", 2);
                    String arg = parts.length > 1 ? parts[1].strip() : "";
                    try {
                        switch (parts[0]) {
                            case "exit", "quit" -> {
                                return 0;
                            }
                            case "mode" -> {
                                options = options.withMode(Mode.parse(arg));
                                out.println("mode: " + options.mode().wireName());
                            }
                            case "agents" -> {
                                options = options.withAgents(parseInt(arg, "/agents N"));
                                out.println("agents: " + options.agents());
                            }
                            case "tools" -> out.println("tools are chosen when the chat starts: restart with --tools " + arg);
                            case "clear" -> {
                                history.removeIf(m -> m.role() != dev.muse.core.Role.SYSTEM);
                                out.println("history cleared");
                            }
                            case "history" -> history.forEach(m -> out.println(m.role().name().toLowerCase() + ": " + ConsoleRenderer.abbreviate(ConsoleRenderer.oneLine(m.text()), 100)));
                            case "help" -> out.println("/mode instant|thinking|contemplating|auto · /agents N · /clear · /history · /exit");
                            default -> out.println("unknown command /" + parts[0] + " — /help lists them");
                        }
                    } catch (IllegalArgumentException e) {
                        out.println(e.getMessage());
                    }
                    continue;
                }
                history.add(ChatMessage.user(line));
                Cancellation cancel = new Cancellation();
                current.set(cancel);
                try {
                    RunResult r = wiring.muse().run(history, options, new ConsoleRenderer(System.err, color, false), cancel);
                    history.add(ChatMessage.assistant(r.answer()));
                    out.println(r.answer());
                    System.err.println(Terminal.summary(r));
                } catch (ModelException e) {
                    history.removeLast();
                    System.err.println(e.kind() == ModelException.Kind.CANCELLED ? "(cancelled)" : "error: " + e.getMessage());
                } finally {
                    current.set(null);
                }
            }
        }
        return 0;
    }

    private static int parseInt(String s, String usage) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("usage: " + usage);
        }
    }

    /** Ctrl-C cancels the run in progress; with none in progress it leaves, as a shell would. */
    @SuppressWarnings("removal")
    private void installInterruptHandler() {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("INT"), sig -> {
                Cancellation c = current.get();
                if (c != null) c.cancel("cancelled by Ctrl-C");
                else System.exit(130);
            });
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // no signal support on this platform: Ctrl-C ends the chat
        }
    }
}
