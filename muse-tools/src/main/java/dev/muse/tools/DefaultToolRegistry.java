package dev.muse.tools;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.muse.core.ToolCall;
import dev.muse.core.ToolSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The registry's policies, in the order they apply: unknown tool, already cancelled, malformed JSON, arguments that
 * are not an object, schema violations, then the call itself under its timeout and the run's cancellation. Every
 * failure becomes an error outcome whose text tells the model what to do differently.
 */
final class DefaultToolRegistry implements ToolRegistry {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A tool's answer goes into the model's context: past this it is cut, with a note saying so. */
    static final int MAX_OUTPUT_CHARS = 100_000;
    // virtual threads: a stuck tool can be abandoned at its timeout without holding a platform thread
    private static final ExecutorService RUNNER =
            Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("tool-", 0).factory());

    private final Map<String, Tool> tools = new LinkedHashMap<>();
    private final Map<String, ArgumentCheck> checks = new LinkedHashMap<>();

    DefaultToolRegistry(Collection<? extends Tool> tools) {
        Objects.requireNonNull(tools, "tools");
        for (Tool t : tools) {
            Objects.requireNonNull(t, "tools must not contain null");
            if (this.tools.put(t.name(), t) != null) {
                throw new IllegalArgumentException("two tools are named '" + t.name() + "': tool names must be unique");
            }
            checks.put(t.name(), ArgumentCheck.compile(t.name(), t.spec().parametersSchema()));
        }
    }

    @Override
    public Optional<Tool> find(String name) {
        return Optional.ofNullable(tools.get(name));
    }

    @Override
    public Collection<Tool> all() {
        return List.copyOf(tools.values());
    }

    @Override
    public List<ToolSpec> specs(Collection<String> names) {
        List<ToolSpec> out = new ArrayList<>();
        if (names == null) {
            tools.values().forEach(t -> out.add(t.spec()));
            return out;
        }
        for (String n : names) {
            Tool t = tools.get(n);
            if (t == null) {
                throw new IllegalArgumentException("unknown tool '" + n + "': available tools are " + available());
            }
            out.add(t.spec());
        }
        return out;
    }

    @Override
    public ToolOutcome run(ToolCall call, ToolContext context) {
        long start = System.nanoTime();
        try {
            return runChecked(call, context == null ? new ToolContext("unknown", 0, null, null) : context, start);
        } catch (RuntimeException e) {
            // the contract is "never throws": whatever slipped through becomes a result the model reads
            return error(start, "tool '" + call.name() + "' failed: " + describe(e));
        }
    }

    private ToolOutcome runChecked(ToolCall call, ToolContext context, long start) {
        Tool tool = tools.get(call.name());
        if (tool == null) {
            return error(start, "unknown tool '" + call.name() + "'. Available tools: " + available()
                    + ". Call one of these by its exact name.");
        }
        if (context.cancellation().isCancelled()) {
            return error(start, "tool '" + call.name() + "' was not run: the run was cancelled ("
                    + context.cancellation().reason() + ")");
        }
        JsonNode args;
        try {
            args = JSON.readTree(call.argumentsJson());
        } catch (JsonProcessingException e) {
            return error(start, "arguments for '" + call.name() + "' are not valid JSON (" + e.getOriginalMessage()
                    + "). Send one JSON object matching the tool's schema, e.g. {\"name\": value}.");
        }
        if (args == null || !args.isObject()) {
            return error(start, "arguments for '" + call.name() + "' must be a JSON object matching the tool's schema, not "
                    + (args == null ? "nothing" : args.getNodeType().toString().toLowerCase(java.util.Locale.ROOT)));
        }
        Optional<String> problem = checks.get(call.name()).problems(args);
        if (problem.isPresent()) {
            return error(start, "bad arguments for '" + call.name() + "': " + problem.get()
                    + ". Fix the arguments and call the tool again.");
        }
        Duration timeout = tool.timeout();
        Future<String> f = RUNNER.submit(() -> tool.call(args, context));
        try (AutoCloseable unhook = context.cancellation().onCancel(() -> f.cancel(true))) {
            assert unhook != null; // held only to unregister the hook when the call ends
            String text = f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return new ToolOutcome(limit(text == null ? "" : text), false, millis(start));
        } catch (TimeoutException e) {
            f.cancel(true);
            return error(start, "tool '" + call.name() + "' timed out after " + human(timeout)
                    + " and was stopped. Try a smaller request.");
        } catch (ExecutionException e) {
            return error(start, "tool '" + call.name() + "' failed: " + describe(e.getCause()));
        } catch (CancellationException e) {
            return error(start, "tool '" + call.name() + "' was cancelled: " + context.cancellation().reason());
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt(); // our caller is being stopped: keep the flag for it
            return error(start, "tool '" + call.name() + "' was cancelled (interrupted)");
        } catch (Exception e) { // only the cancellation handle's close(), which cannot fail in practice
            return error(start, "tool '" + call.name() + "' failed: " + describe(e));
        }
    }

    private String available() {
        return tools.isEmpty() ? "(none)" : String.join(", ", tools.keySet());
    }

    static String describe(Throwable t) {
        if (t == null) return "unknown error";
        String msg = t.getMessage();
        boolean silent = msg == null || msg.isBlank();
        return switch (t) {
            case StackOverflowError s -> "input too deeply nested";
            case OutOfMemoryError o -> "ran out of memory; try a smaller input";
            // these say little without their type
            case NullPointerException n -> "internal error (" + (silent ? "NullPointerException" : msg) + ")";
            default -> silent ? t.getClass().getSimpleName() : msg;
        };
    }

    private static String limit(String text) {
        if (text.length() <= MAX_OUTPUT_CHARS) return text;
        return text.substring(0, MAX_OUTPUT_CHARS) + "\n[output truncated: " + (text.length() - MAX_OUTPUT_CHARS)
                + " more characters]";
    }

    private static String human(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? (ms / 1000) + " s" : ms + " ms";
    }

    private static ToolOutcome error(long start, String message) {
        return new ToolOutcome(message, true, millis(start));
    }

    private static long millis(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
