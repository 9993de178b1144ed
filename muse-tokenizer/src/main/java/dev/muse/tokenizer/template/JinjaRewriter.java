package dev.muse.tokenizer.template;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * Rewrites the few Jinja2 constructs Jinjava reads differently into equivalents it reads the same way, before
 * rendering. Only expression text inside {@code {{ }}} and {@code {% %}} is touched; strings and comments are kept.
 *
 * <ul>
 *   <li>{@code not} binds looser than comparisons and tests in Jinja2 ({@code not x is defined},
 *       {@code not a|length == 1}); Jinjava applies it to the next operand only. The operand is parenthesised up to
 *       the next {@code and}/{@code or}/{@code if}/{@code else}, comma or closing bracket.
 *   <li>Keyword-argument values are parenthesised ({@code namespace(i=n - 1)}).
 *   <li>{@code loop.previtem}/{@code loop.nextitem} become indexing into the loop's iterable.
 *   <li>{@code seq[::-1]} becomes {@code seq|reverse}.
 *   <li>{@code strftime_now is defined} and {@code raise_exception is defined} become {@code true}: they are
 *       functions here, not variables.
 *   <li>transformers' {@code {% generation %}} markers are dropped (they only tag assistant text for training).
 * </ul>
 */
final class JinjaRewriter {
    private static final Pattern REVERSED_SLICE = Pattern.compile("\\[\\s*:\\s*:\\s*-1\\s*]");
    private static final Pattern GENERATION_TAG = Pattern.compile("\\{%-?\\s*(?:end)?generation\\s*-?%}");
    private static final Pattern FUNCTION_DEFINED =
            Pattern.compile("\\b(?:strftime_now|raise_exception)\\s+is\\s+defined\\b");
    private static final Set<String> STOP_WORDS = Set.of("and", "or", "if", "else", "recursive");

    private JinjaRewriter() {}

    static String rewrite(String src) {
        String s = GENERATION_TAG.matcher(src).replaceAll("");
        StringBuilder out = new StringBuilder(s.length() + 64);
        java.util.ArrayDeque<String> loops = new java.util.ArrayDeque<>();
        int i = 0;
        while (i < s.length()) {
            int open = nextOpen(s, i);
            if (open < 0) {
                out.append(s, i, s.length());
                break;
            }
            out.append(s, i, open);
            String closeMark = s.startsWith("{{", open) ? "}}" : s.startsWith("{%", open) ? "%}" : "#}";
            int close = findClose(s, open + 2, closeMark);
            if (close < 0) { // unterminated: leave it for Jinjava to report
                out.append(s, open, s.length());
                break;
            }
            String body = s.substring(open + 2, close);
            out.append(s, open, open + 2);
            if (closeMark.equals("%}")) trackLoops(body, loops);
            out.append(closeMark.equals("#}") ? body : loopItems(expression(body), loops));
            out.append(closeMark);
            i = close + 2;
        }
        return out.toString();
    }

    private static final Pattern FOR_TAG = Pattern.compile("^-?\\s*for\\s+[\\w\\s,()]+?\\s+in\\s+(.+?)\\s*-?$", Pattern.DOTALL);
    private static final Pattern ENDFOR_TAG = Pattern.compile("^-?\\s*endfor\\s*-?$");

    /** Keeps the iterable expression of each enclosing for loop (null when previtem cannot be derived). */
    private static void trackLoops(String body, java.util.ArrayDeque<String> loops) {
        var m = FOR_TAG.matcher(body);
        if (m.matches()) {
            String iterable = m.group(1);
            // a loop filter ("if ...") or recursion changes what loop.index0 counts: leave previtem alone then
            boolean plain = !iterable.matches("(?s).*\\s(if|recursive)\\s.*|(?s).*\\s(recursive)$");
            loops.push(plain ? "(" + iterable + ")" : "");
        } else if (ENDFOR_TAG.matcher(body).matches() && !loops.isEmpty()) {
            loops.pop();
        }
    }

    /** Jinjava's loop object has no previtem/nextitem: index the iterable instead. */
    private static String loopItems(String body, java.util.ArrayDeque<String> loops) {
        if (loops.isEmpty() || loops.peek().isEmpty() || !body.contains("loop.")) return body;
        String it = loops.peek();
        return body.replace("loop.previtem", "(none if loop.first else (" + it + "|list)[loop.index0 - 1])")
                .replace("loop.nextitem", "(none if loop.last else (" + it + "|list)[loop.index0 + 1])");
    }

    private static int nextOpen(String s, int from) {
        int best = -1;
        for (String mark : new String[] {"{{", "{%", "{#"}) {
            int at = s.indexOf(mark, from);
            if (at >= 0 && (best < 0 || at < best)) best = at;
        }
        return best;
    }

    /** The index of the closing mark, skipping string literals. */
    private static int findClose(String s, int from, String mark) {
        char quote = 0;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == '\\') i++;
                else if (c == quote) quote = 0;
            } else if (!mark.equals("#}") && (c == '\'' || c == '"')) {
                quote = c;
            } else if (s.startsWith(mark, i)) {
                return i;
            }
        }
        return -1;
    }

    private static String expression(String body) {
        String b = REVERSED_SLICE.matcher(body).replaceAll("|reverse");
        b = FUNCTION_DEFINED.matcher(b).replaceAll("true");
        return parenthesiseKeywordValues(parenthesiseNot(b));
    }

    /**
     * Wraps keyword-argument values in parentheses: Jinjava reads {@code namespace(n=messages|length - 1)} as
     * {@code (n=messages|length) - 1}.
     */
    static String parenthesiseKeywordValues(String e) {
        StringBuilder sb = new StringBuilder(e);
        int depth = 0;
        int i = 0;
        while (i < sb.length()) {
            char c = sb.charAt(i);
            if (c == '\'' || c == '"') {
                i = skipString(sb, i);
                continue;
            }
            if (c == '(' || c == '[' || c == '{') depth++;
            else if (c == ')' || c == ']' || c == '}') depth--;
            else if (c == '=' && depth > 0 && isKeywordAssign(sb, i)) {
                int start = i + 1;
                int end = operandEnd(sb, start, true);
                if (end > start && !sb.substring(start, end).isBlank()) {
                    sb.insert(trimEnd(sb, start, end), ')');
                    sb.insert(start, '(');
                }
            }
            i++;
        }
        return sb.toString();
    }

    /** A lone '=' right after an identifier: a keyword argument, not ==, !=, <=, >=. */
    private static boolean isKeywordAssign(CharSequence s, int i) {
        if (i + 1 < s.length() && s.charAt(i + 1) == '=') return false;
        int j = i - 1;
        while (j >= 0 && Character.isWhitespace(s.charAt(j))) j--;
        if (j < 0 || !isIdent(s.charAt(j))) return false;
        char before = i > 0 ? s.charAt(i - 1) : ' ';
        return before != '=' && before != '!' && before != '<' && before != '>';
    }

    /** Wraps the operand of each prefix {@code not} in parentheses (see the class comment). */
    static String parenthesiseNot(String e) {
        StringBuilder sb = new StringBuilder(e);
        int i = 0;
        while (i < sb.length()) {
            char c = sb.charAt(i);
            if (c == '\'' || c == '"') {
                i = skipString(sb, i);
                continue;
            }
            if (isWordAt(sb, i, "not") && !precededByIs(sb, i) && !followedByIn(sb, i + 3)) {
                int start = i + 3;
                int end = operandEnd(sb, start, false);
                if (end > start && !sb.substring(start, end).isBlank()) {
                    int trimmedEnd = trimEnd(sb, start, end);
                    // a '-' whitespace-control marker at the end of the tag stays outside the parentheses
                    if (end == sb.length() && sb.charAt(trimmedEnd - 1) == '-') trimmedEnd = trimEnd(sb, start, trimmedEnd - 1);
                    int first = start;
                    while (first < trimmedEnd && Character.isWhitespace(sb.charAt(first))) first++;
                    sb.insert(trimmedEnd, ')');
                    sb.insert(first, first == start ? " (" : "(");
                }
            }
            i++;
        }
        return sb.toString();
    }

    private static int trimEnd(CharSequence s, int start, int end) {
        while (end > start && Character.isWhitespace(s.charAt(end - 1))) end--;
        return end;
    }

    private static int skipString(CharSequence s, int at) {
        char q = s.charAt(at);
        for (int i = at + 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') i++;
            else if (c == q) return i + 1;
        }
        return s.length();
    }

    private static boolean isIdent(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }

    private static boolean isWordAt(CharSequence s, int i, String w) {
        if (i + w.length() > s.length()) return false;
        for (int k = 0; k < w.length(); k++) if (s.charAt(i + k) != w.charAt(k)) return false;
        boolean before = i == 0 || !isIdent(s.charAt(i - 1)) && s.charAt(i - 1) != '.';
        boolean after = i + w.length() == s.length() || !isIdent(s.charAt(i + w.length()));
        return before && after;
    }

    private static boolean precededByIs(CharSequence s, int i) {
        int j = i - 1;
        while (j >= 0 && Character.isWhitespace(s.charAt(j))) j--;
        return j >= 1 && s.charAt(j) == 's' && s.charAt(j - 1) == 'i' && (j < 2 || !isIdent(s.charAt(j - 2)));
    }

    private static boolean followedByIn(CharSequence s, int i) {
        int j = i;
        while (j < s.length() && Character.isWhitespace(s.charAt(j))) j++;
        return isWordAt(s, j, "in");
    }

    /**
     * Where an operand ends: a comma or unmatched closing bracket at depth 0, or (unless {@code commaOnly}) a stop
     * word such as {@code and}.
     */
    private static int operandEnd(CharSequence s, int from, boolean commaOnly) {
        int depth = 0;
        int i = from;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '\'' || c == '"') {
                i = skipString(s, i);
                continue;
            }
            if (c == '(' || c == '[' || c == '{') depth++;
            else if (c == ')' || c == ']' || c == '}') {
                if (depth == 0) return i;
                depth--;
            } else if (depth == 0 && c == ',') {
                return i;
            } else if (depth == 0 && isIdent(c) && (i == 0 || !isIdent(s.charAt(i - 1)))) {
                int j = i;
                while (j < s.length() && isIdent(s.charAt(j))) j++;
                String word = s.subSequence(i, j).toString();
                if (!commaOnly && STOP_WORDS.contains(word)) return i;
                i = j;
                continue;
            }
            i++;
        }
        return s.length();
    }
}
