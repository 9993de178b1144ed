package dev.muse.tokenizer.template;

import java.util.Map;

/**
 * JSON text as Python's {@code json.dumps(x, ensure_ascii=False, indent=...)} writes it, which is what
 * transformers' {@code tojson} filter produces: {@code ", "} and {@code ": "} separators on one line, keys in
 * insertion order, non-ASCII kept. Prompts must match the training format byte for byte.
 */
final class PythonJson {
    private PythonJson() {}

    static String dumps(Object value, Integer indent) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, indent, 0);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v, Integer indent, int depth) {
        switch (v) {
            case null -> sb.append("null");
            case String s -> string(sb, s);
            case Boolean b -> sb.append(b ? "true" : "false");
            case Double d when d.isNaN() -> sb.append("NaN");
            case Double d when d.isInfinite() -> sb.append(d > 0 ? "Infinity" : "-Infinity");
            case Float f -> write(sb, f.doubleValue(), indent, depth);
            case Double d -> sb.append(d == Math.rint(d) && Math.abs(d) < 1e16 ? String.format(java.util.Locale.ROOT, "%.1f", d) : Double.toString(d));
            case Number n -> sb.append(n);
            case Map<?, ?> m -> {
                if (m.isEmpty()) {
                    sb.append("{}");
                    return;
                }
                sb.append('{');
                boolean first = true;
                for (var e : m.entrySet()) {
                    if (!first) sb.append(indent == null ? ", " : ",");
                    first = false;
                    newline(sb, indent, depth + 1);
                    string(sb, String.valueOf(e.getKey()));
                    sb.append(": ");
                    write(sb, e.getValue(), indent, depth + 1);
                }
                newline(sb, indent, depth);
                sb.append('}');
            }
            case Iterable<?> it -> {
                if (!it.iterator().hasNext()) {
                    sb.append("[]");
                    return;
                }
                sb.append('[');
                boolean first = true;
                for (Object o : it) {
                    if (!first) sb.append(indent == null ? ", " : ",");
                    first = false;
                    newline(sb, indent, depth + 1);
                    write(sb, o, indent, depth + 1);
                }
                newline(sb, indent, depth);
                sb.append(']');
            }
            case Object[] arr -> write(sb, java.util.Arrays.asList(arr), indent, depth);
            default -> string(sb, v.toString());
        }
    }

    /** Python's {@code str()} of a value, what Jinja2 prints for {@code x|string} and for dicts and lists. */
    static String repr(Object v, boolean top) {
        return switch (v) {
            case null -> "None";
            case Boolean b -> b ? "True" : "False";
            case String s -> top ? s : "'" + s.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'";
            case Map<?, ?> m -> {
                StringBuilder sb = new StringBuilder("{");
                boolean first = true;
                for (var e : m.entrySet()) {
                    if (!first) sb.append(", ");
                    first = false;
                    sb.append(repr(e.getKey(), false)).append(": ").append(repr(e.getValue(), false));
                }
                yield sb.append('}').toString();
            }
            case Iterable<?> it -> {
                StringBuilder sb = new StringBuilder("[");
                boolean first = true;
                for (Object o : it) {
                    if (!first) sb.append(", ");
                    first = false;
                    sb.append(repr(o, false));
                }
                yield sb.append(']').toString();
            }
            default -> v.toString();
        };
    }

    private static void newline(StringBuilder sb, Integer indent, int depth) {
        if (indent == null) return;
        sb.append('\n').append(" ".repeat(indent * depth));
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) sb.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }
}
