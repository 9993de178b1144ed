package dev.muse.tools;

import dev.muse.core.ToolCall;
import dev.muse.core.ToolSpec;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The tools available to a run, by name. {@link #run} executes one call under the registry's policies: an
 * unknown tool, malformed or schema-violating arguments, an exception or a timeout all come back as an error
 * {@link ToolOutcome} for the model to read, never as an exception.
 */
public interface ToolRegistry {

    Optional<Tool> find(String name);

    Collection<Tool> all();

    /** Specs of the named tools (all tools when {@code names} is null), in a stable order. */
    List<ToolSpec> specs(Collection<String> names);

    /** Runs one call; never throws. */
    ToolOutcome run(ToolCall call, ToolContext context);

    /** A registry over exactly these tools. */
    static ToolRegistry of(Collection<? extends Tool> tools) {
        return new DefaultToolRegistry(tools);
    }

    /** This registry plus {@code extra} (extra wins on a name clash). */
    default ToolRegistry with(Collection<? extends Tool> extra) {
        List<Tool> merged = new java.util.ArrayList<>(all());
        merged.removeIf(t -> extra.stream().anyMatch(e -> e.name().equals(t.name())));
        merged.addAll(extra);
        return of(merged);
    }
}
