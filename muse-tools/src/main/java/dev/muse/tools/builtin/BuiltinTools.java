package dev.muse.tools.builtin;

import dev.muse.tools.Tool;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The tools Muse ships, by the names users write in {@code --tools} or {@code muse.yaml}. {@code spawn_agent} is
 * not here: it needs a model and the agent loop, so the reasoning module registers it itself.
 */
public final class BuiltinTools {
    private static final Map<String, Supplier<Tool>> TOOLS = new LinkedHashMap<>();

    static {
        TOOLS.put(Calculator.NAME, Calculator::new);
    }

    private BuiltinTools() {}

    /** Names of every built-in tool, in a stable order. */
    public static List<String> names() {
        return List.copyOf(TOOLS.keySet());
    }

    /** A fresh instance of the named built-in. */
    public static Tool byName(String name) {
        Supplier<Tool> s = name == null ? null : TOOLS.get(name.strip());
        if (s == null) {
            String hint = "spawn_agent".equals(name == null ? null : name.strip())
                    ? " (spawn_agent needs the agent loop: the reasoning module registers it)" : "";
            throw new IllegalArgumentException("unknown built-in tool '" + name + "': built-in tools are "
                    + String.join(", ", TOOLS.keySet()) + hint);
        }
        return s.get();
    }

    /** The named built-ins in the given order, each once; fails on the first unknown name, listing what exists. */
    public static List<Tool> byNames(Collection<String> names) {
        List<Tool> out = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        for (String n : names) {
            String key = n == null ? null : n.strip();
            if (seen.contains(key)) continue;
            out.add(byName(key));
            seen.add(key);
        }
        return List.copyOf(out);
    }

    /** Every built-in. */
    public static List<Tool> all() {
        return byNames(TOOLS.keySet());
    }
}
