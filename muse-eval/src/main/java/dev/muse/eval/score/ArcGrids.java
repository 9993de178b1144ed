package dev.muse.eval.score;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;

/** ARC grids: parses the grids a model wrote and compares them cell for cell with the expected output. */
public final class ArcGrids {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** ARC's standard scoring allows two attempts per test input. */
    public static final int ATTEMPTS = 2;

    private ArcGrids() {}

    /** Every well-formed grid ({@code [[int,...],...]}, rows of equal length) in the text, in order. */
    public static List<int[][]> grids(String text) {
        List<int[][]> out = new ArrayList<>();
        if (text == null) return out;
        int i = 0;
        while ((i = text.indexOf("[[", i)) >= 0) {
            int depth = 0;
            int end = -1;
            for (int j = i; j < text.length(); j++) {
                char c = text.charAt(j);
                if (c == '[') depth++;
                else if (c == ']' && --depth == 0) {
                    end = j;
                    break;
                }
            }
            if (end < 0) break;
            int[][] g = parse(text.substring(i, end + 1));
            if (g != null) out.add(g);
            i = end + 1;
        }
        return out;
    }

    /** Parses one grid, or returns null when it is not a rectangular grid of integers. */
    public static int[][] parse(String json) {
        try {
            JsonNode n = JSON.readTree(json);
            if (!n.isArray() || n.isEmpty()) return null;
            int[][] g = new int[n.size()][];
            for (int r = 0; r < n.size(); r++) {
                JsonNode row = n.get(r);
                if (!row.isArray() || row.isEmpty() || (r > 0 && row.size() != g[0].length)) return null;
                g[r] = new int[row.size()];
                for (int c = 0; c < row.size(); c++) {
                    if (!row.get(c).isInt()) return null;
                    g[r][c] = row.get(c).intValue();
                }
            }
            return g;
        } catch (Exception e) {
            return null;
        }
    }

    public static boolean equal(int[][] a, int[][] b) {
        return java.util.Arrays.deepEquals(a, b);
    }

    public static String toJson(int[][] g) {
        StringBuilder sb = new StringBuilder("[");
        for (int r = 0; r < g.length; r++) {
            if (r > 0) sb.append(',');
            sb.append('[');
            for (int c = 0; c < g[r].length; c++) {
                if (c > 0) sb.append(',');
                sb.append(g[r][c]);
            }
            sb.append(']');
        }
        return sb.append(']').toString();
    }
}
