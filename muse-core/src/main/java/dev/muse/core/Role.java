package dev.muse.core;

/** Who wrote a message. */
public enum Role {
    SYSTEM,
    USER,
    ASSISTANT,
    TOOL
}
