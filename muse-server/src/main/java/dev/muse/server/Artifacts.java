package dev.muse.server;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Finds web artifacts (HTML pages, SVG pictures) in an answer, for storing and rendering in a sandboxed frame. */
final class Artifacts {
    record Artifact(String id, String kind, String title, String content) {}

    private static final Pattern FENCE = Pattern.compile("```(html|svg|xml)[^\\n]*\\n(.*?)```", Pattern.DOTALL | Pattern.CASE_INSENSITIVE);
    private static final Pattern TITLE = Pattern.compile("<title>(.*?)</title>", Pattern.DOTALL | Pattern.CASE_INSENSITIVE);

    private Artifacts() {}

    static List<Artifact> find(String answer) {
        List<Artifact> out = new ArrayList<>();
        if (answer == null || answer.isEmpty()) return out;
        Matcher m = FENCE.matcher(answer);
        while (m.find()) {
            String body = m.group(2).strip();
            String lang = m.group(1).toLowerCase(java.util.Locale.ROOT);
            String kind;
            if (lang.equals("svg") || (lang.equals("xml") && body.contains("<svg"))) kind = "svg";
            else if (lang.equals("html")) kind = "html";
            else continue;
            if (body.isEmpty()) continue;
            Matcher t = TITLE.matcher(body);
            String title = t.find() ? t.group(1).strip() : (kind.equals("svg") ? "SVG picture" : "HTML page") + " " + (out.size() + 1);
            out.add(new Artifact(Store.newId("art_"), kind, title.length() > 200 ? title.substring(0, 200) : title, body));
        }
        return out;
    }
}
