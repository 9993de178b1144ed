package dev.muse.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses human durations: "90s", "5m", "1h", "1500ms", or a bare number of seconds. */
final class Durations {
    private static final Pattern P = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");

    private Durations() {}

    static Duration parse(String text, String what) {
        if (text == null) return null;
        Matcher m = P.matcher(text.strip().toLowerCase());
        if (!m.matches()) throw new UserError(what + " '" + text + "' is not a duration: use e.g. 90s, 5m, 1h or 1500ms");
        double v = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        long ms = switch (unit) {
            case "ms" -> (long) v;
            case "m" -> (long) (v * 60_000);
            case "h" -> (long) (v * 3_600_000);
            default -> (long) (v * 1000);
        };
        if (ms <= 0) throw new UserError(what + " must be positive, got '" + text + "'");
        return Duration.ofMillis(ms);
    }
}
