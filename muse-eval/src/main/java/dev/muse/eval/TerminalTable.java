package dev.muse.eval;

import dev.muse.eval.EvalResults.ModeSummary;
import dev.muse.eval.stats.Paired;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The per-mode table and the comparison sentences, as plain text for a terminal. */
public final class TerminalTable {
    private TerminalTable() {}

    public static String render(EvalResults r) {
        List<String[]> rows = new ArrayList<>();
        boolean priced = r.json().path("prices_per_million").isObject();
        boolean passK = r.modes().stream().anyMatch(m -> !m.passAtK().isEmpty());
        List<String> head = new ArrayList<>(List.of("mode", "n", "accuracy", "95% CI", "errors", "out tok", "reas tok", "in tok", "calls",
                "p50 ms", "p95 ms", "acc/1k out"));
        if (priced) head.add("cost $");
        if (passK) {
            head.add("pass@k");
            head.add("maj@k");
        }
        rows.add(head.toArray(String[]::new));
        for (ModeSummary m : r.modes()) {
            List<String> row = new ArrayList<>(List.of(m.mode(), Integer.toString(m.n()), pct(m.accuracy()),
                    pct(m.ciLow()) + "–" + pct(m.ciHigh()), Integer.toString(m.errors()), num(m.outputTokensMean()),
                    num(m.reasoningTokensMean()), num(m.inputTokensMean()), Long.toString(m.calls()), num(m.latencyP50()),
                    num(m.latencyP95()), Double.isNaN(m.accuracyPer1kOutputTokens()) ? "-" : String.format(Locale.ROOT, "%.3f", m.accuracyPer1kOutputTokens())));
            if (priced) row.add(String.format(Locale.ROOT, "%.4f", m.cost()));
            if (passK) {
                int k = m.passAtK().keySet().stream().mapToInt(Integer::intValue).max().orElse(1);
                row.add(m.passAtK().isEmpty() ? "-" : pct(m.passAtK().get(k)) + " (k=" + k + ")");
                row.add(Double.isNaN(m.majorityAtK()) ? "-" : pct(m.majorityAtK()));
            }
            rows.add(row.toArray(String[]::new));
        }
        int[] w = new int[head.size()];
        for (String[] row : rows) for (int i = 0; i < row.length; i++) w[i] = Math.max(w[i], row[i].length());
        StringBuilder sb = new StringBuilder();
        sb.append(r.benchmark()).append(" — ").append(r.json().path("backend").asText()).append('\n');
        for (int ri = 0; ri < rows.size(); ri++) {
            String[] row = rows.get(ri);
            for (int i = 0; i < row.length; i++) {
                String cell = row[i];
                sb.append(i == 0 ? String.format("%-" + w[i] + "s", cell) : String.format("%" + w[i] + "s", cell));
                sb.append(i == row.length - 1 ? "" : "  ");
            }
            sb.append('\n');
            if (ri == 0) {
                int total = 0;
                for (int x : w) total += x + 2;
                sb.append("-".repeat(Math.max(0, total - 2))).append('\n');
            }
        }
        r.omitted().forEach((mode, why) -> sb.append(mode).append(": ").append(why).append('\n'));
        for (Paired p : r.comparisons()) sb.append(p.sentence()).append('\n');
        for (String n : r.notes()) sb.append("note: ").append(n).append('\n');
        sb.append("report: ").append(r.reportFile()).append('\n');
        return sb.toString();
    }

    static String pct(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }

    static String num(double v) {
        if (Double.isNaN(v)) return "-";
        return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v);
    }
}
