package dev.muse.tools;

import dev.muse.core.Cancellation;
import dev.muse.core.StreamListener;

/**
 * What a running tool may know of the agent that called it.
 *
 * @param agentId the calling agent
 * @param depth how deep the calling agent is in the sub-agent tree (0 for a top-level agent)
 * @param cancellation raised when the run is cancelled; long tools should check it
 * @param listener where a tool that runs agents (spawn_agent) reports their events
 */
public record ToolContext(String agentId, int depth, Cancellation cancellation, StreamListener listener) {
    public ToolContext {
        cancellation = cancellation == null ? Cancellation.NONE : cancellation;
        listener = listener == null ? StreamListener.NONE : listener;
    }
}
