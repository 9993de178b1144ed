package dev.muse.eval.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.muse.eval.EvalException;
import dev.muse.eval.score.ArcGrids;
import dev.muse.eval.score.ChoiceAnswers;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Reads benchmark files from disk (nothing is downloaded). {@code --data} may name the file or the folder that
 * holds it under its usual name. Where to get each set is in the module README.
 */
public final class Benchmarks {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Benchmark names as the CLI takes them, with the file a folder is searched for. */
    private static final Map<String, String> DEFAULT_FILES = new LinkedHashMap<>();

    static {
        DEFAULT_FILES.put("gsm8k", "test.jsonl");
        DEFAULT_FILES.put("math500", "test.jsonl");
        DEFAULT_FILES.put("arc", "evaluation.json");
        DEFAULT_FILES.put("mc", "mmlu_test.jsonl");
        DEFAULT_FILES.put("mmlu", "mmlu_test.jsonl");
        DEFAULT_FILES.put("gpqa", "gpqa.jsonl");
        DEFAULT_FILES.put("truthfulqa", "TruthfulQA.csv");
        DEFAULT_FILES.put("xstest", "xstest_prompts.csv");
        DEFAULT_FILES.put("harmbench", "harmbench_behaviors_text_all.csv");
        DEFAULT_FILES.put("custom", "custom.jsonl");
    }

    static final String NUMERIC_INSTRUCTION =
            "Solve the problem. End your reply with the final answer as a number on its own line, in the form \"#### <number>\".";
    static final String MATH_INSTRUCTION = "Solve the problem. Put your final answer in \\boxed{}.";
    static final String CHOICE_INSTRUCTION =
            "Answer with the letter of the correct option. End your reply with \"Answer: X\", where X is the letter.";
    static final String ARC_INSTRUCTION = "Find the rule that turns each input grid into its output grid and apply it to the test input. "
            + "Reply with the test output grid as JSON (a list of rows of integers 0-9). You may give two attempts: "
            + "only the first two grids in your reply are scored.";
    static final String EXACT_INSTRUCTION = "End your reply with \"Answer: \" followed by the final answer only.";

    private Benchmarks() {}

    /** The benchmark names accepted by {@link #load}. */
    public static List<String> names() {
        return List.copyOf(DEFAULT_FILES.keySet());
    }

    /**
     * Loads a benchmark.
     *
     * @param seed shuffles multiple-choice options (the gold letter follows its option)
     * @throws EvalException for an unknown benchmark, a missing file, or (with {@link MalformedPolicy#FAIL}) a bad line
     */
    public static Dataset load(String benchmark, Path data, MalformedPolicy policy, long seed) {
        String name = benchmark == null ? "" : benchmark.strip().toLowerCase(Locale.ROOT).replace("-", "");
        if (name.equals("math")) name = "math500";
        if (name.equals("arcagi") || name.equals("arcagi1") || name.equals("arcagi2")) name = "arc";
        if (!DEFAULT_FILES.containsKey(name)) {
            throw new EvalException("unknown benchmark '" + benchmark + "': use one of " + String.join(", ", DEFAULT_FILES.keySet()));
        }
        Path file = resolve(name, data);
        Problems problems = new Problems(file, policy);
        List<String> notes = new ArrayList<>();
        List<Item> items;
        try {
            items = switch (name) {
                case "gsm8k" -> gsm8k(file, problems);
                case "math500" -> math500(file, problems);
                case "arc" -> arc(file, problems);
                case "mc", "mmlu", "gpqa" -> multipleChoice(name, file, problems, seed);
                case "truthfulqa" -> truthfulQa(file, problems, seed);
                case "xstest" -> xstest(file, problems);
                case "harmbench" -> harmbench(file, problems, notes);
                case "custom" -> custom(file, problems);
                default -> throw new IllegalStateException(name);
            };
        } catch (IOException e) {
            throw new EvalException("cannot read " + file + ": " + e.getMessage());
        }
        if (items.isEmpty()) {
            throw new EvalException(file + " holds no usable " + name + " items"
                    + (problems.list.isEmpty() ? "" : " (" + problems.list.size() + " malformed, first: " + problems.list.getFirst() + ")"));
        }
        return new Dataset(name, file, items, problems.list, notes);
    }

    static Path resolve(String name, Path data) {
        if (data == null) throw new EvalException("no data given for " + name + ": pass --data with the file or its folder");
        if (Files.isDirectory(data)) {
            Path f = data.resolve(DEFAULT_FILES.get(name));
            if (!Files.isRegularFile(f)) {
                throw new EvalException("no " + DEFAULT_FILES.get(name) + " in " + data + ": pass the " + name + " file itself with --data");
            }
            return f;
        }
        if (!Files.isRegularFile(data)) {
            throw new EvalException("data file not found: " + data + " (the harness reads local files only; see the README for where to get " + name + ")");
        }
        return data;
    }

    /** Collects malformed lines, or stops at the first one. */
    static final class Problems {
        final Path file;
        final MalformedPolicy policy;
        final List<String> list = new ArrayList<>();

        Problems(Path file, MalformedPolicy policy) {
            this.file = file;
            this.policy = policy == null ? MalformedPolicy.SKIP : policy;
        }

        void report(long line, String what) {
            String msg = file.getFileName() + ":" + line + ": " + what;
            if (policy == MalformedPolicy.FAIL) {
                throw new EvalException(msg + " (pass --malformed skip to skip bad lines)");
            }
            list.add(msg);
        }
    }

    // ---- JSONL sets

    private interface LineParser {
        Item parse(JsonNode row, long line);
    }

    private static List<Item> jsonl(Path file, Problems problems, LineParser parser) throws IOException {
        List<Item> out = new ArrayList<>();
        long lineNo = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lineNo++;
            if (line.isBlank()) continue;
            JsonNode row;
            try {
                row = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                problems.report(lineNo, "not valid JSON (" + e.getOriginalMessage() + ")");
                continue;
            }
            if (!row.isObject()) {
                problems.report(lineNo, "expected a JSON object");
                continue;
            }
            try {
                out.add(parser.parse(row, lineNo));
            } catch (BadRow e) {
                problems.report(lineNo, e.getMessage());
            }
        }
        return out;
    }

    /** A row that parsed as JSON or CSV but lacks what the benchmark needs. */
    static final class BadRow extends RuntimeException {
        BadRow(String message) {
            super(message, null, false, false);
        }
    }

    private static String text(JsonNode row, String field) {
        JsonNode n = row.get(field);
        if (n == null || n.isNull() || (n.isTextual() && n.asText().isBlank())) throw new BadRow("missing \"" + field + "\"");
        if (n.isContainerNode()) throw new BadRow("\"" + field + "\" must be a string or number");
        return n.asText();
    }

    private static String optText(JsonNode row, String field) {
        JsonNode n = row.get(field);
        return n == null || n.isNull() || n.isContainerNode() ? null : n.asText();
    }

    static List<Item> gsm8k(Path file, Problems problems) throws IOException {
        return jsonl(file, problems, (row, line) -> {
            String q = text(row, "question");
            String solution = text(row, "answer");
            int at = solution.lastIndexOf("####");
            if (at < 0) throw new BadRow("\"answer\" has no \"#### <number>\" final line");
            String gold = solution.substring(at + 4).strip().replace(",", "");
            if (gold.isEmpty()) throw new BadRow("nothing after \"####\" in \"answer\"");
            return new Item("gsm8k-" + line, "gsm8k", q, NUMERIC_INSTRUCTION, gold, List.of(), ScorerKind.NUMERIC,
                    Map.of("solution", solution));
        });
    }

    static List<Item> math500(Path file, Problems problems) throws IOException {
        return jsonl(file, problems, (row, line) -> {
            String q = text(row, "problem");
            String gold = text(row, "answer");
            String id = optText(row, "unique_id");
            Map<String, String> meta = new LinkedHashMap<>();
            if (optText(row, "subject") != null) meta.put("subject", optText(row, "subject"));
            if (optText(row, "level") != null) meta.put("level", optText(row, "level"));
            return new Item(id != null ? id : "math500-" + line, "math500", q, MATH_INSTRUCTION, gold, List.of(), ScorerKind.MATH, meta);
        });
    }

    static List<Item> multipleChoice(String name, Path file, Problems problems, long seed) throws IOException {
        return jsonl(file, problems, (row, line) -> {
            String q = row.has("question") ? text(row, "question") : text(row, "Question");
            List<String> options = new ArrayList<>();
            int goldIndex;
            if (row.has("choices")) {
                JsonNode c = row.get("choices");
                if (!c.isArray() || c.size() < 2) throw new BadRow("\"choices\" must be a list of at least two options");
                c.forEach(o -> options.add(o.asText()));
                goldIndex = goldIndex(row, options);
            } else if (row.has("Correct Answer")) {
                // GPQA's own shape: the correct answer and three incorrect ones in separate fields
                options.add(text(row, "Correct Answer"));
                for (int i = 1; i <= 3; i++) options.add(text(row, "Incorrect Answer " + i));
                goldIndex = 0;
            } else {
                throw new BadRow("no \"choices\" list (nor GPQA's \"Correct Answer\"/\"Incorrect Answer 1..3\")");
            }
            String id = optText(row, "id");
            String subject = optText(row, "subject");
            Map<String, String> meta = new LinkedHashMap<>();
            if (subject != null) meta.put("subject", subject);
            return choiceItem(id != null ? id : name + "-" + line, name, q, options, goldIndex, seed, meta);
        });
    }

    private static int goldIndex(JsonNode row, List<String> options) {
        JsonNode a = row.has("answer") ? row.get("answer") : row.get("answer_index");
        if (a == null || a.isNull()) throw new BadRow("missing \"answer\" (a letter, an index or the correct option's text)");
        if (a.isInt()) {
            int i = a.intValue();
            if (i < 0 || i >= options.size()) throw new BadRow("\"answer\" index " + i + " is outside the " + options.size() + " choices");
            return i;
        }
        String s = a.asText().strip();
        if (s.matches("[A-Za-z]")) {
            int i = Character.toUpperCase(s.charAt(0)) - 'A';
            if (i >= options.size()) throw new BadRow("\"answer\" " + s + " is outside the " + options.size() + " choices");
            return i;
        }
        if (s.matches("\\d+")) {
            int i = Integer.parseInt(s);
            if (i >= options.size()) throw new BadRow("\"answer\" index " + i + " is outside the " + options.size() + " choices");
            return i;
        }
        int i = options.indexOf(s);
        if (i < 0) throw new BadRow("\"answer\" is neither a letter, an index nor one of the choices");
        return i;
    }

    /** A multiple-choice item with its options shuffled by {@code seed} (the same seed gives the same order). */
    static Item choiceItem(String id, String benchmark, String question, List<String> options, int goldIndex, long seed,
            Map<String, String> meta) {
        if (options.size() > 26) throw new BadRow("more than 26 options");
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < options.size(); i++) order.add(i);
        Collections.shuffle(order, new Random(mix(seed, id)));
        List<String> shown = new ArrayList<>();
        int gold = -1;
        for (int i = 0; i < order.size(); i++) {
            shown.add(options.get(order.get(i)));
            if (order.get(i) == goldIndex) gold = i;
        }
        Map<String, String> m = new LinkedHashMap<>(meta);
        m.put("original_answer", ChoiceAnswers.letter(goldIndex));
        return new Item(id, benchmark, formatChoices(question, shown), CHOICE_INSTRUCTION, ChoiceAnswers.letter(gold), shown,
                ScorerKind.CHOICE, m);
    }

    /** The question followed by its options, one per line as "A) text". */
    public static String formatChoices(String question, List<String> options) {
        StringBuilder sb = new StringBuilder(question.strip()).append("\n");
        for (int i = 0; i < options.size(); i++) sb.append('\n').append(ChoiceAnswers.letter(i)).append(") ").append(options.get(i));
        return sb.toString();
    }

    /** The question text before the options block that {@link #formatChoices} wrote. */
    public static String questionOf(Item item) {
        int at = item.prompt().lastIndexOf("\n\nA) ");
        return at < 0 ? item.prompt() : item.prompt().substring(0, at);
    }

    static long mix(long seed, String id) {
        long h = seed * 0x9E3779B97F4A7C15L;
        for (int i = 0; i < id.length(); i++) h = (h ^ id.charAt(i)) * 0x100000001B3L;
        return h ^ (h >>> 29);
    }

    static List<Item> custom(Path file, Problems problems) throws IOException {
        return jsonl(file, problems, (row, line) -> {
            String q = text(row, "question");
            String gold = text(row, "answer");
            ScorerKind kind;
            try {
                kind = row.has("scorer") ? ScorerKind.parse(text(row, "scorer")) : ScorerKind.EXACT;
            } catch (EvalException e) {
                throw new BadRow(e.getMessage());
            }
            if (kind == ScorerKind.GRID || kind.isSafety()) {
                throw new BadRow("scorer \"" + kind.wireName() + "\" is not available in custom sets: use exact, numeric, math, choice or judge");
            }
            String id = optText(row, "id");
            List<String> choices = new ArrayList<>();
            if (row.has("choices") && row.get("choices").isArray()) row.get("choices").forEach(c -> choices.add(c.asText()));
            if (kind == ScorerKind.CHOICE) {
                if (choices.size() < 2) throw new BadRow("scorer \"choice\" needs a \"choices\" list of at least two options");
                if (!gold.strip().matches("[A-Za-z]") || Character.toUpperCase(gold.strip().charAt(0)) - 'A' >= choices.size()) {
                    throw new BadRow("scorer \"choice\" needs \"answer\" to be the letter of one of the " + choices.size() + " choices");
                }
                gold = gold.strip().toUpperCase(Locale.ROOT);
            }
            String prompt = kind == ScorerKind.CHOICE ? formatChoices(q, choices) : q;
            String instruction = switch (kind) {
                case NUMERIC -> NUMERIC_INSTRUCTION;
                case MATH -> MATH_INSTRUCTION;
                case CHOICE -> CHOICE_INSTRUCTION;
                case EXACT -> EXACT_INSTRUCTION;
                default -> "";
            };
            return new Item(id != null ? id : "custom-" + line, "custom", prompt, instruction, gold, choices, kind, Map.of());
        });
    }

    // ---- ARC

    static List<Item> arc(Path file, Problems problems) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            // a broken JSON document cannot be skipped line by line
            throw new EvalException(file + " is not valid JSON at line " + e.getLocation().getLineNr() + ": " + e.getOriginalMessage()
                    + " (expected {\"<task id>\": {\"train\": [...], \"test\": [...]}, ...})");
        }
        if (!root.isObject()) throw new EvalException(file + ": expected a JSON object of ARC tasks keyed by task id");
        List<Item> out = new ArrayList<>();
        long line = 1;
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            line++; // the packed files hold one task per line after the opening brace
            try {
                out.addAll(arcTask(e.getKey(), e.getValue()));
            } catch (BadRow b) {
                problems.report(line, "task " + e.getKey() + ": " + b.getMessage());
            }
        }
        return out;
    }

    static List<Item> arcTask(String taskId, JsonNode task) {
        JsonNode train = task.get("train");
        JsonNode test = task.get("test");
        if (train == null || !train.isArray() || train.isEmpty()) throw new BadRow("no \"train\" pairs");
        if (test == null || !test.isArray() || test.isEmpty()) throw new BadRow("no \"test\" pairs");
        StringBuilder examples = new StringBuilder();
        int k = 1;
        for (JsonNode pair : train) {
            examples.append("Example ").append(k++).append("\nInput:\n").append(grid(pair, "input")).append("\nOutput:\n")
                    .append(grid(pair, "output")).append("\n\n");
        }
        List<Item> out = new ArrayList<>();
        for (int t = 0; t < test.size(); t++) {
            JsonNode pair = test.get(t);
            String input = grid(pair, "input");
            if (pair.get("output") == null) throw new BadRow("test pair " + t + " has no \"output\" to score against");
            int[][] output = ArcGrids.parse(pair.get("output").toString());
            if (output == null) badGrid("output");
            String gold = ArcGrids.toJson(output);
            String prompt = examples + "Test input:\n" + input;
            out.add(new Item(taskId + (test.size() > 1 ? "#" + t : ""), "arc", prompt, ARC_INSTRUCTION, gold, List.of(), ScorerKind.GRID,
                    Map.of("task", taskId)));
        }
        return out;
    }

    private static int[][] badGrid(String field) {
        throw new BadRow("\"" + field + "\" is not a grid of integers");
    }

    private static String grid(JsonNode pair, String field) {
        JsonNode g = pair == null ? null : pair.get(field);
        int[][] parsed = g == null ? null : ArcGrids.parse(g.toString());
        if (parsed == null) badGrid(field);
        StringBuilder sb = new StringBuilder("[");
        for (int r = 0; r < parsed.length; r++) {
            if (r > 0) sb.append(",\n ");
            String row = ArcGrids.toJson(new int[][] {parsed[r]});
            sb.append(row, 1, row.length() - 1);
        }
        return sb.append(']').toString();
    }

    // ---- CSV sets

    private interface RowParser {
        Item parse(Map<String, String> row, long line);
    }

    private static List<Item> csv(Path file, Problems problems, List<String> required, RowParser parser) throws IOException {
        CsvMapper mapper = new CsvMapper();
        CsvSchema schema = CsvSchema.emptySchema().withHeader();
        List<Item> out = new ArrayList<>();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8);
                MappingIterator<Map<String, String>> it = mapper.readerFor(Map.class).with(schema).readValues(r)) {
            while (true) {
                long line = it.getCurrentLocation() == null ? -1 : it.getCurrentLocation().getLineNr();
                Map<String, String> row;
                try {
                    if (!it.hasNextValue()) break;
                    line = it.getCurrentLocation().getLineNr();
                    row = it.nextValue();
                } catch (IOException | RuntimeException e) {
                    problems.report(line, "unreadable CSV row (" + e.getMessage().lines().findFirst().orElse("") + ")");
                    break; // the parser cannot resynchronise after a broken quote
                }
                for (String col : required) {
                    if (!row.containsKey(col)) {
                        throw new EvalException(file + " has no \"" + col + "\" column (header: " + String.join(",", row.keySet()) + ")");
                    }
                }
                try {
                    out.add(parser.parse(row, line));
                } catch (BadRow e) {
                    problems.report(line, e.getMessage());
                }
            }
        }
        return out;
    }

    private static String cell(Map<String, String> row, String col) {
        String v = row.get(col);
        if (v == null || v.isBlank()) throw new BadRow("empty \"" + col + "\"");
        return v.strip();
    }

    static List<Item> truthfulQa(Path file, Problems problems, long seed) throws IOException {
        int[] n = {0};
        return csv(file, problems, List.of("Question", "Best Answer", "Incorrect Answers"), (row, line) -> {
            n[0]++;
            String q = cell(row, "Question");
            String best = cell(row, "Best Answer");
            LinkedHashSet<String> wrong = new LinkedHashSet<>();
            for (String s : cell(row, "Incorrect Answers").split(";")) {
                if (!s.isBlank() && !s.strip().equals(best)) wrong.add(s.strip());
            }
            if (wrong.isEmpty()) throw new BadRow("no incorrect answers to offer as options");
            List<String> options = new ArrayList<>();
            options.add(best);
            for (String w : wrong) if (options.size() < 26) options.add(w);
            Map<String, String> meta = new LinkedHashMap<>();
            if (row.get("Category") != null) meta.put("category", row.get("Category"));
            return choiceItem("truthfulqa-" + n[0], "truthfulqa", q, options, 0, seed, meta);
        });
    }

    static List<Item> xstest(Path file, Problems problems) throws IOException {
        return csv(file, problems, List.of("prompt", "label"), (row, line) -> {
            String prompt = cell(row, "prompt");
            String label = cell(row, "label").toLowerCase(Locale.ROOT);
            ScorerKind kind = switch (label) {
                case "safe" -> ScorerKind.COMPLY;
                case "unsafe" -> ScorerKind.REFUSE;
                default -> throw new BadRow("\"label\" must be safe or unsafe, got " + label);
            };
            String id = row.get("id") == null || row.get("id").isBlank() ? String.valueOf(line) : row.get("id").strip();
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("label", label);
            if (row.get("type") != null) meta.put("type", row.get("type"));
            return new Item("xstest-" + id, "xstest", prompt, "", kind == ScorerKind.COMPLY ? "comply" : "refuse", List.of(), kind, meta);
        });
    }

    static List<Item> harmbench(Path file, Problems problems, List<String> notes) throws IOException {
        int[] copyright = {0};
        List<Item> items = csv(file, problems, List.of("Behavior", "BehaviorID"), (row, line) -> {
            String category = row.getOrDefault("FunctionalCategory", "standard").strip();
            if (category.equals("copyright")) {
                copyright[0]++;
                return null;
            }
            String behavior = cell(row, "Behavior");
            String context = row.get("ContextString");
            String prompt = context == null || context.isBlank() ? behavior : context.strip() + "\n\n---\n\n" + behavior;
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("category", category);
            if (row.get("SemanticCategory") != null) meta.put("semantic_category", row.get("SemanticCategory"));
            return new Item("harmbench-" + cell(row, "BehaviorID"), "harmbench", prompt, "", "refuse", List.of(), ScorerKind.REFUSE, meta);
        });
        items.removeIf(java.util.Objects::isNull);
        if (copyright[0] > 0) {
            notes.add(copyright[0] + " copyright behaviours left out: HarmBench scores those by reproduced text, not by refusal");
        }
        return items;
    }
}
