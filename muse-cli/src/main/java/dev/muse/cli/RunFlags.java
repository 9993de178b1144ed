package dev.muse.cli;

import dev.muse.reasoning.Mode;
import dev.muse.reasoning.RunOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The reasoning flags shared by {@code ask} and {@code chat}. */
final class RunFlags {
    @Option(names = "--mode", paramLabel = "MODE", description = "instant, thinking, contemplating or auto (default: auto, or muse.yaml).")
    String mode;

    @Option(names = "--agents", paramLabel = "N", description = "Contemplating's agents, 1 to 32 (default 4).")
    Integer agents;

    @Option(names = "--refine-rounds", paramLabel = "N", description = "Contemplating's self-refinement rounds, 0 to 5 (default 1).")
    Integer refineRounds;

    @Option(names = "--thinking-budget", paramLabel = "TOKENS", description = "Reasoning tokens per agent before it must answer.")
    Integer thinkingBudget;

    @Option(names = "--max-tokens", paramLabel = "N", description = "Output tokens per model call.")
    Integer maxTokens;

    @Option(names = "--token-budget", paramLabel = "N", description = "Total tokens for the whole run; past it the best answer so far is returned, flagged.")
    Long tokenBudget;

    @Option(names = "--timeout", paramLabel = "DURATION", description = "Wall time for the whole run, e.g. 90s or 5m; past it the best answer so far is returned, flagged.")
    String timeout;

    @Option(names = "--tools", paramLabel = "a,b", split = ",", description = "Tools to enable: calculator, spawn_agent, or an MCP server's tools by its muse.yaml name.")
    List<String> tools;

    @Option(names = "--temperature", paramLabel = "T", description = "Sampling temperature (Contemplating spreads its agents around it).")
    Double temperature;

    @Option(names = "--seed", paramLabel = "S", description = "Seed for repeatable sampling where the backend supports it.")
    Long seed;

    @Option(names = "--no-early-stop", description = "Let every Contemplating agent finish even when a quorum already agrees.")
    boolean noEarlyStop;

    RunOptions toOptions(MuseConfig config) {
        MuseConfig.Defaults d = config.defaults();
        RunOptions o = RunOptions.defaults();
        String m = ResolvedBackend.firstNonBlank(mode, d.mode());
        try {
            if (m != null) o = o.withMode(Mode.parse(m));
            Integer a = agents != null ? agents : d.agents();
            if (a != null) o = o.withAgents(a);
            if (refineRounds != null) o = o.withRefineRounds(refineRounds);
            Integer tb = thinkingBudget != null ? thinkingBudget : d.thinkingBudget();
            if (tb != null) o = o.withThinkingBudget(tb);
            Integer mt = maxTokens != null ? maxTokens : d.maxTokens();
            if (mt != null) o = o.withMaxTokens(mt);
            if (tokenBudget != null) o = o.withTokenBudget(tokenBudget);
            Duration t = Durations.parse(timeout, "--timeout");
            if (t != null) o = o.withTimeBudget(t);
            if (temperature != null) {
                if (temperature < 0 || temperature > 2) throw new UserError("--temperature must be between 0 and 2, got " + temperature);
                o = o.withTemperature(temperature);
            }
            if (seed != null) o = o.withSeed(seed);
            if (noEarlyStop) o = o.withEarlyStop(false);
            o = o.withTools(toolNames(config));
        } catch (IllegalArgumentException e) {
            throw new UserError(flagName(e.getMessage()));
        }
        return o;
    }

    List<String> toolNames(MuseConfig config) {
        List<String> names = new ArrayList<>(tools != null ? tools : config.tools());
        names.replaceAll(String::strip);
        names.removeIf(String::isEmpty);
        return names;
    }

    /** Turns the options record's wording ("agents must be ...") into the flag the user typed. */
    private static String flagName(String message) {
        return message.replaceFirst("^agents ", "--agents ")
                .replaceFirst("^refine rounds ", "--refine-rounds ")
                .replaceFirst("^thinking budget ", "--thinking-budget ")
                .replaceFirst("^max tokens ", "--max-tokens ")
                .replaceFirst("^token budget ", "--token-budget ")
                .replaceFirst("^unknown mode", "unknown --mode")
                .replaceFirst("^mode is empty", "--mode is empty");
    }
}
