package dev.muse.core;

/**
 * Estimates a token count from text when a server does not report one (typically reasoning tokens). About four
 * characters per token for English and code, one per token for CJK; counts produced this way are marked estimated.
 */
public final class TokenEstimator {
    private TokenEstimator() {}

    public static long estimate(String text) {
        if (text == null || text.isEmpty()) return 0;
        long ascii = 0;
        long wide = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (cp < 0x2E80) ascii++;
            else wide++;
        }
        return Math.max(1, Math.round(ascii / 4.0) + wide);
    }
}
