package dev.muse.tools;

import com.fasterxml.jackson.databind.JsonNode;
import dev.muse.core.ToolSpec;
import java.time.Duration;

/**
 * A tool a model can call. What the model sees ({@link #spec()}) is kept apart from what runs ({@link #call}).
 * Arguments arrive already parsed and checked against the spec's schema; a thrown exception becomes an error
 * result the model reads, never a failure of the run.
 */
public interface Tool {

    ToolSpec spec();

    /** Runs the tool; returns the text the model receives as the tool result. */
    String call(JsonNode arguments, ToolContext context) throws Exception;

    /** How long one call may take before it is abandoned and reported to the model as timed out. */
    default Duration timeout() {
        return Duration.ofSeconds(60);
    }

    default String name() {
        return spec().name();
    }
}
