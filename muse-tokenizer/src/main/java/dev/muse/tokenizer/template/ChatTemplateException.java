package dev.muse.tokenizer.template;

/**
 * The model's chat template refused the conversation (it called {@code raise_exception}, e.g. "Conversation roles
 * must alternate user/assistant"). The message is the template's own; fix the conversation, not the template.
 */
public final class ChatTemplateException extends RuntimeException {
    public ChatTemplateException(String message) {
        super(message);
    }
}
