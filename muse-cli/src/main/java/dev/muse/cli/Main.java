package dev.muse.cli;

import dev.muse.core.ModelException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code muse} command. Every failure a user can cause ends as one line on stderr and a non-zero exit code. */
@Command(
        name = "muse",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Muse: Instant, Thinking, Contemplating and Auto reasoning over any model.",
        subcommands = {AskCommand.class, ChatCommand.class, ServeCommand.class, KeysCommand.class, EvalCommand.class, GenerateCommand.class, BenchCommand.class, PullCommand.class, ModelsCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    /** Exit code for a mistake in the command line or configuration. */
    static final int USAGE = 2;
    /** Exit code for a backend or run failure. */
    static final int FAILED = 1;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (used by tests). */
    public static int run(String... args) {
        configureLogging();
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler(Main::handle);
        cli.setParameterExceptionHandler((ex, a) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("muse: " + ex.getMessage());
            err.println("(see '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
            return USAGE;
        });
        return cli.execute(args);
    }

    /** Libraries log through java.util.logging: one short line per warning, details only with MUSE_DEBUG. */
    private static void configureLogging() {
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "muse: %4$s: %5$s%6$s%n");
        }
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        java.util.logging.Level level = System.getenv("MUSE_DEBUG") != null ? java.util.logging.Level.FINE : java.util.logging.Level.WARNING;
        root.setLevel(level);
        for (var h : root.getHandlers()) h.setLevel(level);
    }

    private static int handle(Exception ex, CommandLine cmd, CommandLine.ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        switch (ex) {
            case UserError u -> {
                err.println("muse: " + u.getMessage());
                return USAGE;
            }
            case ModelException m -> {
                err.println("muse: " + m.getMessage());
                return FAILED;
            }
            case dev.muse.tools.mcp.McpException m -> {
                err.println("muse: " + m.getMessage());
                return FAILED;
            }
            case IllegalArgumentException i -> {
                err.println("muse: " + i.getMessage());
                return USAGE;
            }
            default -> {
                // an unexpected failure is still one line; MUSE_DEBUG=1 shows the stack trace for a bug report
                err.println("muse: unexpected error: " + ex + " (set MUSE_DEBUG=1 for details and report it)");
                if (System.getenv("MUSE_DEBUG") != null) ex.printStackTrace(err);
                return FAILED;
            }
        }
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"muse " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ")"};
        }
    }
}
