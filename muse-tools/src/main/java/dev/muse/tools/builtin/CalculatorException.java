package dev.muse.tools.builtin;

/** A calculator error meant for the model: what is wrong, where, and what to write instead. */
final class CalculatorException extends RuntimeException {
    private static final int WINDOW = 30;

    CalculatorException(String message) {
        super(message, null, false, false);
    }

    /** "kind at position N: what" plus the input with a caret under position N (0-based {@code index}). */
    static CalculatorException at(String input, int index, String kind, String what) {
        int from = Math.max(0, index - WINDOW);
        int to = Math.min(input.length(), index + WINDOW);
        String prefix = from > 0 ? "..." : "";
        String excerpt = prefix + input.substring(from, to).replaceAll("\\s", " ") + (to < input.length() ? "..." : "");
        String caret = " ".repeat(prefix.length() + index - from) + "^";
        return new CalculatorException(kind + " at position " + (index + 1) + ": " + what + "\n  " + excerpt + "\n  " + caret);
    }
}
