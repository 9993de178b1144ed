package dev.muse.eval;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * report.html: one self-contained page (inline CSS, inline SVG, no script, nothing fetched) drawn from the same
 * figures as results.json, so the page and the JSON can never disagree.
 */
final class HtmlReport {
    private HtmlReport() {}

    private static final String[] COLORS = {"#2563eb", "#d97706", "#059669", "#7c3aed", "#dc2626"};

    static String render(EvalResults r) {
        JsonNode j = r.json();
        StringBuilder h = new StringBuilder();
        h.append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Muse eval — ").append(esc(r.benchmark()))
                .append("</title><style>")
                .append("body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:1100px;color:#111;padding:0 1rem}")
                .append("table{border-collapse:collapse;margin:.6rem 0 1.2rem}th,td{border:1px solid #ddd;padding:.3rem .55rem;text-align:right}")
                .append("th:first-child,td:first-child{text-align:left}th{background:#f4f4f5}h2{margin-top:2rem;border-bottom:1px solid #e4e4e7}")
                .append(".flag{color:#b91c1c;font-weight:600}.muted{color:#666}.sig{font-weight:600}svg{background:#fafafa;border:1px solid #e4e4e7}")
                .append("code,pre{background:#f4f4f5;padding:.1rem .3rem;white-space:pre-wrap}</style></head><body>");
        h.append("<h1>").append(esc(r.benchmark())).append(" on ").append(esc(j.path("backend").asText())).append("</h1>");
        h.append("<p class=\"muted\">").append(j.path("items").asInt()).append(" items · modes ")
                .append(esc(j.path("config").path("modes").toString())).append(" · epochs ").append(j.path("config").path("epochs").asInt())
                .append(" · seed ").append(j.path("config").path("seed").asLong()).append(" · ").append(esc(j.path("finished").asText()))
                .append("</p>");
        if (!r.notes().isEmpty()) {
            h.append("<ul>");
            for (String n : r.notes()) h.append("<li>").append(esc(n)).append("</li>");
            h.append("</ul>");
        }

        h.append("<h2>Modes</h2><table><tr><th>mode</th><th>n</th><th>accuracy</th><th>95% CI</th><th>errors</th><th>output tokens (mean)</th>")
                .append("<th>reasoning tokens (mean)</th><th>input tokens (mean)</th><th>calls</th><th>latency p50 ms</th><th>p95 ms</th>")
                .append("<th>cost $</th><th>accuracy / 1k output tokens</th><th>refusal</th><th>pass@k</th><th>majority@k</th></tr>");
        for (EvalResults.ModeSummary m : r.modes()) {
            JsonNode mj = j.path("modes").path(m.mode());
            String pass = m.passAtK().isEmpty() ? "–" : m.passAtK().entrySet().stream().map(e -> "@" + e.getKey() + " " + pct(e.getValue()))
                    .reduce((a, b) -> a + ", " + b).orElse("–");
            h.append("<tr><td>").append(esc(m.mode())).append("</td><td>").append(m.n()).append("</td><td>").append(pct(m.accuracy()))
                    .append("</td><td>").append(pct(m.ciLow())).append(" – ").append(pct(m.ciHigh())).append("</td><td>").append(m.errors())
                    .append("</td><td>").append(num(m.outputTokensMean())).append("</td><td>").append(num(m.reasoningTokensMean()))
                    .append("</td><td>").append(num(m.inputTokensMean())).append("</td><td>").append(m.calls()).append("</td><td>")
                    .append(num(m.latencyP50())).append("</td><td>").append(num(m.latencyP95())).append("</td><td>")
                    .append(mj.path("cost_usd").isNull() ? "–" : String.format(Locale.ROOT, "%.4f", m.cost())).append("</td><td>")
                    .append(Double.isNaN(m.accuracyPer1kOutputTokens()) ? "–" : String.format(Locale.ROOT, "%.3f", m.accuracyPer1kOutputTokens()))
                    .append("</td><td>").append(pct(m.refusalRate())).append("</td><td>").append(esc(pass)).append("</td><td>")
                    .append(pct(m.majorityAtK())).append("</td></tr>");
        }
        h.append("</table>");
        for (Map.Entry<String, String> e : r.omitted().entrySet()) {
            h.append("<p class=\"muted\">").append(esc(e.getKey())).append(": ").append(esc(e.getValue())).append("</p>");
        }
        h.append(scatter(r));

        h.append("<h2>Paired comparisons</h2>");
        if (r.comparisons().isEmpty()) h.append("<p class=\"muted\">One mode only: nothing to compare.</p>");
        for (var p : r.comparisons()) {
            h.append("<p").append(p.significant() ? " class=\"sig\"" : "").append(">").append(esc(p.sentence())).append("</p>");
        }

        JsonNode probes = j.path("probes");
        if (probes.has("contamination")) {
            JsonNode c = probes.get("contamination");
            h.append("<h2>Contamination probe</h2><p>").append(esc(c.path("method").asText())).append("</p><p>")
                    .append(c.path("twins").asInt()).append(" of ").append(c.path("probe_items").asInt()).append(" probe items perturbed");
            if (c.path("skip_reasons").size() > 0) {
                h.append("; skipped: ");
                List<String> why = new ArrayList<>();
                c.path("skip_reasons").properties().forEach(e -> why.add(e.getKey() + " (" + e.getValue().asInt() + ")"));
                h.append(esc(String.join("; ", why)));
            }
            h.append(".</p>");
            h.append("<table><tr><th>mode</th><th>items</th><th>original</th><th>twin</th><th>delta</th><th>p</th><th>flag</th></tr>");
            forEach(c.path("modes"), (mode, x) -> h.append("<tr><td>").append(esc(mode)).append("</td><td>").append(x.path("n").asInt())
                    .append("</td><td>").append(pct(x.path("accuracy_a"))).append("</td><td>").append(pct(x.path("accuracy_b")))
                    .append("</td><td>").append(pts(x.path("delta"))).append("</td><td>").append(p(x.path("p_value"))).append("</td><td>")
                    .append(x.path("flagged").asBoolean() ? "<span class=\"flag\">significant drop</span>" : "–").append("</td></tr>"));
            h.append("</table>");
        }
        if (probes.has("awareness")) {
            JsonNode a = probes.get("awareness");
            h.append("<h2>Evaluation-awareness probe</h2><p>").append(esc(a.path("method").asText())).append("</p>");
            h.append("<table><tr><th>mode</th><th>items</th><th>accuracy bench / user</th><th>Δ acc</th><th>p</th><th>refusal bench / user</th>")
                    .append("<th>output tokens bench / user</th><th>reasoning says tested: bench / user / main</th><th>judge: bench / user</th></tr>");
            forEach(a.path("modes"), (mode, x) -> h.append("<tr><td>").append(esc(mode)).append("</td><td>").append(x.path("n").asInt())
                    .append("</td><td>").append(pct(x.path("accuracy_benchmark"))).append(" / ").append(pct(x.path("accuracy_user")))
                    .append("</td><td>").append(pts(x.path("accuracy_delta"))).append("</td><td>").append(p(x.path("accuracy_p_value")))
                    .append("</td><td>").append(pct(x.path("refusal_benchmark"))).append(" / ").append(pct(x.path("refusal_user")))
                    .append("</td><td>").append(num(x.path("output_tokens_benchmark"))).append(" / ").append(num(x.path("output_tokens_user")))
                    .append("</td><td>").append(pct(x.path("mentions_testing_benchmark"))).append(" / ").append(pct(x.path("mentions_testing_user")))
                    .append(" / ").append(pct(x.path("mentions_testing_main"))).append("</td><td>").append(pct(x.path("judge_aware_benchmark")))
                    .append(" / ").append(pct(x.path("judge_aware_user"))).append("</td></tr>"));
            h.append("</table>");
            h.append(deltaBars(j));
        }
        if (probes.has("classification")) {
            JsonNode c = probes.get("classification");
            h.append("<h2>Transcript classification</h2><p>").append(esc(c.path("method").asText())).append("</p><p>AUC <b>")
                    .append(c.path("auc").isNull() ? "–" : String.format(Locale.ROOT, "%.3f", c.path("auc").asDouble()))
                    .append("</b> over ").append(c.path("answered").asInt()).append(" answered of ").append(c.path("n").asInt())
                    .append(" (0.5 = cannot tell; 1 = always tells). Mean p(evaluation): benchmark prompts ").append(num(c.path("mean_p_evaluation")))
                    .append(", user requests ").append(num(c.path("mean_p_deployment"))).append(".</p>");
        }
        JsonNode s = probes.path("safety");
        h.append("<h2>Safety</h2>");
        if (s.has("note")) h.append("<p class=\"muted\">").append(esc(s.path("note").asText())).append("</p>");
        else {
            h.append("<p>").append(esc(s.path("method").asText())).append("</p><table><tr><th>mode</th><th>harmful n</th><th>refusal rate (higher is safer)</th>")
                    .append("<th>safe n</th><th>over-refusal rate (lower is better)</th></tr>");
            forEach(s.path("modes"), (mode, x) -> h.append("<tr><td>").append(esc(mode)).append("</td><td>").append(x.path("harmful_n").asInt())
                    .append("</td><td>").append(pct(x.path("harmful_refusal_rate"))).append("</td><td>").append(x.path("safe_n").asInt())
                    .append("</td><td>").append(pct(x.path("over_refusal_rate"))).append("</td></tr>"));
            h.append("</table>");
        }
        h.append("<h2>How answers were scored</h2><details><summary>refusal patterns, awareness patterns, judge prompts</summary><pre>")
                .append(esc(j.path("scorers").toPrettyString())).append("</pre></details>");
        h.append("<p class=\"muted\">Every sample with its backend calls is in samples.jsonl; every figure above is in results.json.</p></body></html>\n");
        return h.toString();
    }

    /** Accuracy against output tokens, one point per mode with its 95% interval as an error bar; a legend names them. */
    static String scatter(EvalResults r) {
        int w = 780, ht = 340, left = 60, legend = 200, top = 20, bottom = 50;
        double maxX = 1;
        for (var m : r.modes()) if (!Double.isNaN(m.outputTokensMean())) maxX = Math.max(maxX, m.outputTokensMean());
        maxX *= 1.15;
        StringBuilder s = new StringBuilder("<h3>Accuracy against output tokens</h3><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
                .append(w).append("\" height=\"").append(ht).append("\" role=\"img\" aria-label=\"accuracy against mean output tokens per mode\">");
        int pw = w - left - legend - 20, ph = ht - top - bottom;
        for (int i = 0; i <= 5; i++) {
            double y = top + ph - ph * i / 5.0;
            s.append(line(left, y, left + pw, y, "#e4e4e7")).append(text(left - 8, y + 4, (i * 20) + "%", "end"));
        }
        for (int i = 0; i <= 4; i++) {
            double x = left + pw * i / 4.0;
            s.append(text(x, top + ph + 18, String.format(Locale.ROOT, "%.0f", maxX * i / 4), "middle"));
        }
        s.append(line(left, top + ph, left + pw, top + ph, "#333")).append(line(left, top, left, top + ph, "#333"));
        s.append(text(left + pw / 2.0, ht - 8, "output tokens per item (mean, reasoning included)", "middle"));
        int c = 0;
        for (var m : r.modes()) {
            if (Double.isNaN(m.outputTokensMean())) continue;
            String col = COLORS[c % COLORS.length];
            double x = left + pw * m.outputTokensMean() / maxX;
            double y = top + ph * (1 - m.accuracy());
            double y1 = top + ph * (1 - m.ciHigh());
            double y2 = top + ph * (1 - m.ciLow());
            s.append(line(x, y1, x, y2, col)).append(line(x - 6, y1, x + 6, y1, col)).append(line(x - 6, y2, x + 6, y2, col));
            s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\"/>", x, y, col));
            double ly = top + 10 + c * 38;
            double lx = left + pw + 30;
            s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\"/>", lx, ly, col));
            s.append(text(lx + 10, ly + 4, m.mode() + ": " + pct(m.accuracy()), "start"));
            s.append(text(lx + 10, ly + 19, "95% CI " + pct(m.ciLow()) + "–" + pct(m.ciHigh()) + ", " + num(m.outputTokensMean()) + " tok", "start"));
            c++;
        }
        return s.append("</svg>").toString();
    }

    /** Contamination and awareness accuracy deltas per mode, in percentage points. */
    static String deltaBars(JsonNode j) {
        List<String> labels = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        forEach(j.path("probes").path("contamination").path("modes"), (mode, x) -> {
            if (!x.path("delta").isNull()) {
                labels.add(mode + ": twin − original");
                values.add(100 * x.path("delta").asDouble());
            }
        });
        forEach(j.path("probes").path("awareness").path("modes"), (mode, x) -> {
            if (!x.path("accuracy_delta").isNull()) {
                labels.add(mode + ": benchmark − user framing");
                values.add(100 * x.path("accuracy_delta").asDouble());
            }
        });
        if (values.isEmpty()) return "";
        int w = 700, rowH = 26, left = 260, ht = rowH * values.size() + 40;
        double max = 5;
        for (double v : values) max = Math.max(max, Math.abs(v));
        double half = (w - left - 20) / 2.0;
        double mid = left + half;
        double scale = (half - 10) / max;
        StringBuilder s = new StringBuilder("<h3>Probe deltas (accuracy, percentage points)</h3><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
                .append(w).append("\" height=\"").append(ht).append("\" role=\"img\" aria-label=\"probe accuracy deltas\">");
        s.append(line(mid, 10, mid, ht - 25, "#333"));
        for (int i = 0; i < values.size(); i++) {
            double v = values.get(i);
            double y = 15 + i * rowH;
            double x0 = v >= 0 ? mid : mid + v * scale;
            s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"16\" fill=\"%s\"/>", x0, y,
                    Math.max(1, Math.abs(v) * scale), v < 0 ? "#dc2626" : "#059669"));
            s.append(text(left - 10, y + 12, labels.get(i), "end"));
            // the value sits on the other side of zero, where there is always room
            s.append(text(v >= 0 ? mid - 6 : mid + 6, y + 12, String.format(Locale.ROOT, "%+.1f", v), v >= 0 ? "end" : "start"));
        }
        s.append(text(mid, ht - 8, "0", "middle"));
        return s.append("</svg>").toString();
    }

    private interface Each {
        void accept(String name, JsonNode value);
    }

    private static void forEach(JsonNode obj, Each each) {
        for (Map.Entry<String, JsonNode> e : obj.properties()) each.accept(e.getKey(), e.getValue());
    }

    private static String line(double x1, double y1, double x2, double y2, String color) {
        return String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1.5\"/>", x1, y1, x2, y2, color);
    }

    private static String text(double x, double y, String t, String anchor) {
        return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"%s\">%s</text>", x, y, anchor, esc(t));
    }

    static String esc(String s) {
        if (s == null) return "";
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String pct(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }

    private static String pct(JsonNode v) {
        return v == null || v.isNull() || v.isMissingNode() ? "–" : pct(v.asDouble());
    }

    private static String pts(JsonNode v) {
        return v == null || v.isNull() || v.isMissingNode() ? "–" : String.format(Locale.ROOT, "%+.1f pt", 100 * v.asDouble());
    }

    private static String p(JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) return "–";
        return v.asDouble() < 0.001 ? "&lt; 0.001" : String.format(Locale.ROOT, "%.3f", v.asDouble());
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.0f", v);
    }

    private static String num(JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) return "–";
        double d = v.asDouble();
        return Math.abs(d) < 10 ? String.format(Locale.ROOT, "%.2f", d) : String.format(Locale.ROOT, "%.0f", d);
    }
}
