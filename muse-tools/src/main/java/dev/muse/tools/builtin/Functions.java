package dev.muse.tools.builtin;

import java.util.List;

/** The calculator's function names, shared by the parser (to reject unknown names early) and the spec. */
final class Functions {
    static final List<String> NAMES =
            List.of("sqrt", "abs", "floor", "ceil", "round", "min", "max", "gcd", "lcm", "factorial");

    private Functions() {}
}
