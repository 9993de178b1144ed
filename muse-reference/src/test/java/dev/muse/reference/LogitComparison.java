package dev.muse.reference;

/**
 * How far Muse's logits are from a reference's over the same token sequence.
 *
 * @param scale root mean square of the reference's logits (the unit every tolerance is stated in)
 * @param maxAbsError largest |Muse − reference| over every position and vocabulary entry
 * @param rmsError root mean square of that difference
 * @param maxLogprobError largest log-probability difference over the reference's top {@link #TOP_K} tokens per position
 * @param steps greedy steps compared (positions whose next token the reference chose)
 * @param agree steps where Muse's top token is the reference's
 * @param maxTieGap the largest Muse logit gap between its own top token and the reference's where they differ
 */
record LogitComparison(double scale, double maxAbsError, double rmsError, double maxLogprobError, int steps, int agree,
        double maxTieGap) {
    static final int TOP_K = 10;

    /**
     * @param muse Muse's logits, row i after token i
     * @param ref the reference's logits for the same rows
     * @param firstStep the first row whose argmax chose a generated token (prompt length − 1)
     * @param steps how many generated tokens follow
     */
    static LogitComparison of(float[][] muse, float[][] ref, int firstStep, int steps) {
        if (muse.length != ref.length) throw new IllegalArgumentException(muse.length + " Muse rows but " + ref.length + " reference rows");
        double sumSq = 0, errSq = 0, maxErr = 0, maxLp = 0, maxGap = 0;
        long n = 0;
        int agree = 0;
        for (int r = 0; r < ref.length; r++) {
            float[] a = muse[r], b = ref[r];
            for (int v = 0; v < b.length; v++) {
                double d = Math.abs(a[v] - b[v]);
                sumSq += (double) b[v] * b[v];
                errSq += d * d;
                maxErr = Math.max(maxErr, d);
                n++;
            }
            double lseA = logSumExp(a), lseB = logSumExp(b);
            for (int t : topK(b, TOP_K)) maxLp = Math.max(maxLp, Math.abs((a[t] - lseA) - (b[t] - lseB)));
            if (r >= firstStep && r < firstStep + steps) {
                int ours = argmax(a), theirs = argmax(b);
                if (ours == theirs) agree++;
                else maxGap = Math.max(maxGap, a[ours] - a[theirs]);
            }
        }
        return new LogitComparison(Math.sqrt(sumSq / n), maxErr, Math.sqrt(errSq / n), maxLp, steps, agree, maxGap);
    }

    double relRmsError() {
        return rmsError / scale;
    }

    double relMaxError() {
        return maxAbsError / scale;
    }

    double agreement() {
        return steps == 0 ? 1 : agree / (double) steps;
    }

    static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
        return best;
    }

    static int[] topK(float[] x, int k) {
        int[] idx = new int[k];
        float[] val = new float[k];
        java.util.Arrays.fill(val, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < x.length; i++) {
            if (x[i] <= val[k - 1]) continue;
            int j = k - 1;
            while (j > 0 && val[j - 1] < x[i]) {
                val[j] = val[j - 1];
                idx[j] = idx[j - 1];
                j--;
            }
            val[j] = x[i];
            idx[j] = i;
        }
        return idx;
    }

    static double logSumExp(float[] x) {
        float max = x[argmax(x)];
        double s = 0;
        for (float v : x) s += Math.exp(v - max);
        return max + Math.log(s);
    }
}
