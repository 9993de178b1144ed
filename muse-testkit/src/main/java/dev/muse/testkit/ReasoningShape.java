package dev.muse.testkit;

/** Where a stand-in OpenAI-compatible server puts the reasoning text, as real servers variously do. */
public enum ReasoningShape {
    /** a {@code reasoning_content} field next to {@code content} (DeepSeek, vLLM, llama.cpp with a reasoning format) */
    REASONING_CONTENT,
    /** a {@code reasoning} field (Ollama, OpenRouter, LM Studio) */
    REASONING,
    /** inline {@code <think>…</think>} at the start of {@code content} (llama.cpp without a reasoning format, raw models) */
    THINK_TAGS
}
