/**
 * Test support for every module: loopback stand-in servers that speak the real OpenAI
 * ({@link dev.muse.testkit.StandInOpenAiServer}) and Anthropic ({@link dev.muse.testkit.StandInAnthropicServer})
 * protocols, scripted with {@link dev.muse.testkit.Responder}s and {@link dev.muse.testkit.Reply}s; a
 * {@link dev.muse.testkit.NoisySolver} that answers right with a set probability; and
 * {@link dev.muse.testkit.ChatModelContract}, the suite every {@link dev.muse.core.ChatModel} passes.
 */
package dev.muse.testkit;
