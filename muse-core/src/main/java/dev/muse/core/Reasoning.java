package dev.muse.core;

/**
 * How much a backend should reason before answering.
 *
 * @param enabled null leaves the backend's default; false asks for no (or minimal) reasoning; true asks for it
 * @param budgetTokens a cap on reasoning tokens where the backend supports one (Anthropic's thinking budget, the
 *     local engine's budget forcing); null for none
 * @param effort OpenAI-style {@code reasoning_effort} ("minimal", "low", "medium", "high"); null to leave unset
 */
public record Reasoning(Boolean enabled, Integer budgetTokens, String effort) {
    public static final Reasoning DEFAULT = new Reasoning(null, null, null);
    public static final Reasoning OFF = new Reasoning(false, null, null);

    public Reasoning {
        if (budgetTokens != null && budgetTokens < 1) {
            throw new IllegalArgumentException("reasoning budget must be at least 1 token, got " + budgetTokens);
        }
    }

    public static Reasoning on(Integer budgetTokens) {
        return new Reasoning(true, budgetTokens, null);
    }

    public Reasoning withEffort(String effort) {
        return new Reasoning(enabled, budgetTokens, effort);
    }

    public boolean isOff() {
        return Boolean.FALSE.equals(enabled);
    }

    public boolean isOn() {
        return Boolean.TRUE.equals(enabled);
    }
}
