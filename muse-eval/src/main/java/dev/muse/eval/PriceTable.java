package dev.muse.eval;

import java.util.Locale;

/**
 * What tokens cost, in US dollars per million tokens. Cached responses are priced as if they had been paid for:
 * the report states what the run costs, not what this particular re-run cost.
 */
public record PriceTable(double inputPerMillion, double outputPerMillion) {
    public static final PriceTable NONE = new PriceTable(0, 0);

    public PriceTable {
        if (inputPerMillion < 0 || outputPerMillion < 0 || Double.isNaN(inputPerMillion) || Double.isNaN(outputPerMillion)) {
            throw new EvalException("prices cannot be negative: give dollars per million tokens, e.g. --price 0.15/0.60");
        }
    }

    /** Parses "IN/OUT" or "input=IN,output=OUT" (dollars per million tokens). */
    public static PriceTable parse(String s) {
        if (s == null || s.isBlank()) return NONE;
        String t = s.strip().toLowerCase(Locale.ROOT).replace("$", "");
        try {
            if (t.contains("=")) {
                double in = 0;
                double out = 0;
                for (String part : t.split("[,;]")) {
                    String[] kv = part.split("=", 2);
                    String k = kv[0].strip();
                    double v = Double.parseDouble(kv[1].strip());
                    if (k.startsWith("in")) in = v;
                    else if (k.startsWith("out")) out = v;
                    else throw new NumberFormatException(k);
                }
                return new PriceTable(in, out);
            }
            String[] p = t.split("/");
            if (p.length != 2) throw new NumberFormatException(t);
            return new PriceTable(Double.parseDouble(p[0].strip()), Double.parseDouble(p[1].strip()));
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
            throw new EvalException("cannot read price '" + s + "': write dollars per million input/output tokens, e.g. 0.15/0.60 or input=0.15,output=0.60");
        }
    }

    public boolean isSet() {
        return inputPerMillion > 0 || outputPerMillion > 0;
    }

    public double cost(long inputTokens, long outputTokens) {
        return inputTokens / 1e6 * inputPerMillion + outputTokens / 1e6 * outputPerMillion;
    }
}
