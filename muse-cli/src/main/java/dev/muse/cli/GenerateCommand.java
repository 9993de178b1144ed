package dev.muse.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.muse.engine.CompletionResult;
import dev.muse.engine.GenerateOptions;
import dev.muse.engine.LocalModel;
import dev.muse.engine.LocalModels;
import dev.muse.engine.model.ModelFormatException;
import dev.muse.engine.sampling.SamplerOptions;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Raw completion from a local model with the embedded engine (no chat template).")
final class GenerateCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "FILE", description = "A GGUF file, a llama2.c checkpoint, or a name from `muse models`.")
    String model;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "The tokenizer of a llama2.c checkpoint (e.g. tok512.bin).")
    Path tokenizer;

    @Option(names = "--prompt", paramLabel = "TEXT", defaultValue = "", description = "The text to continue (default: from the start token).")
    String prompt;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0", description = "0 for greedy (default).")
    float temperature;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "Seed for sampling.")
    long seed;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "256", description = "Tokens to generate (default 256).")
    int maxTokens;

    @Option(names = "--threads", paramLabel = "N", description = "Threads (default: all cores).")
    Integer threads;

    @Option(names = "--json", description = "Print one JSON object with the text, token ids and timings.")
    boolean json;

    @Override
    public Integer call() {
        if (maxTokens < 1) throw new UserError("--max-tokens must be at least 1, got " + maxTokens);
        if (temperature < 0 || temperature > 2) throw new UserError("--temperature must be between 0 and 2, got " + temperature);
        if (threads != null && threads < 1) throw new UserError("--threads must be at least 1, got " + threads);
        Path file = LocalModelStore.find(model);
        if (file == null) throw new UserError("model file not found: " + model);
        if (tokenizer != null && !java.nio.file.Files.isRegularFile(tokenizer)) throw new UserError("tokenizer file not found: " + tokenizer);
        LocalModel m;
        try {
            m = LocalModels.load(file, tokenizer, LocalBackend.engineOptions(threads, null));
        } catch (ModelFormatException | IllegalArgumentException | java.io.UncheckedIOException e) {
            throw new UserError("cannot load " + file + ": " + e.getMessage());
        }
        try (m) {
            GenerateOptions opts = new GenerateOptions(maxTokens, SamplerOptions.of(temperature, seed), true, false);
            CompletionResult r;
            if (!json) System.out.print(prompt); // like run.c and llama.cpp: the prompt, then its continuation
            try {
                r = m.complete(prompt, opts, json ? s -> {} : s -> {
                    System.out.print(s);
                    System.out.flush();
                });
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage());
            }
            var t = r.timings();
            if (json) {
                ObjectNode o = RunJson.MAPPER.createObjectNode();
                o.put("model", m.name());
                o.put("prompt", prompt);
                o.put("text", r.text());
                ArrayNode ids = o.putArray("tokens");
                for (int id : r.tokens()) ids.add(id);
                o.put("stop_reason", r.stopReason().name().toLowerCase(Locale.ROOT));
                ObjectNode tm = o.putObject("timings");
                tm.put("prompt_tokens", t.promptTokens());
                tm.put("prompt_ms", t.promptMillis());
                tm.put("generated_tokens", t.generatedTokens());
                tm.put("generate_ms", t.generateMillis());
                tm.put("prompt_tokens_per_s", t.promptTokensPerSecond());
                tm.put("tokens_per_s", t.tokensPerSecond());
                try {
                    System.out.println(RunJson.MAPPER.writeValueAsString(o));
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new IllegalStateException(e);
                }
            } else {
                System.out.println();
                System.err.println(String.format(Locale.ROOT, "[%d prompt tokens %.1f t/s · %d generated %.1f t/s · %s]",
                        t.promptTokens(), t.promptTokensPerSecond(), t.generatedTokens(), t.tokensPerSecond(),
                        r.stopReason().name().toLowerCase(Locale.ROOT)));
            }
        }
        return 0;
    }
}
