package de.kherud.llama;

/**
 * java-llama.cpp only takes prompts as text; llama.cpp's server also takes a JSON array of token ids. This sets
 * that array through the package-private parameter map, so the reference sees exactly our token ids.
 */
public final class TokenPrompt {
    private TokenPrompt() {}

    public static InferenceParameters of(int[] ids) {
        InferenceParameters p = new InferenceParameters("");
        StringBuilder json = new StringBuilder("[");
        for (int i = 0; i < ids.length; i++) json.append(i == 0 ? "" : ",").append(ids[i]);
        p.parameters.put("prompt", json.append(']').toString());
        return p;
    }
}
