package dev.muse.eval.data;

import java.nio.file.Path;
import java.util.List;

/**
 * The items of one benchmark file, with what loading had to say.
 *
 * @param problems malformed lines that were skipped, each as "file:line: what is wrong"
 * @param notes remarks about the set (items left out on purpose and why)
 */
public record Dataset(String benchmark, Path source, List<Item> items, List<String> problems, List<String> notes) {
    public Dataset {
        items = List.copyOf(items);
        problems = List.copyOf(problems);
        notes = List.copyOf(notes);
    }
}
