package dev.muse.testkit;

/** How a stand-in server treats {@code n > 1}. */
public enum NSupport {
    /** returns {@code n} choices, like OpenAI and vLLM */
    NATIVE,
    /** silently returns one choice, like Ollama */
    IGNORED,
    /** answers 400, like llama.cpp's server ("Only one completion choice is allowed") */
    REJECTED
}
