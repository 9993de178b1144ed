/**
 * Remote models as {@link dev.muse.core.ChatModel}s: {@link dev.muse.backends.OpenAiChatModel} for any
 * OpenAI-compatible server and {@link dev.muse.backends.AnthropicChatModel} for Anthropic's Messages API.
 *
 * <p>Why a small client on {@code java.net.http} + Jackson rather than the official SDKs: the OpenAI SDK does not
 * expose the non-standard {@code reasoning_content}/{@code reasoning} fields, inline {@code <think>} content or the
 * quirks of local servers ({@code n} ignored or rejected) cleanly, and the Anthropic SDK pulls in OkHttp and Kotlin.
 * One small client gives both backends one code path for timeouts, retries with {@code Retry-After}, and
 * cancellation that really aborts the HTTP exchange ({@link dev.muse.backends.Transport}).
 */
package dev.muse.backends;
