package dev.muse.eval;

import java.time.Duration;

/** Receives the run's progress after every finished sample, for a progress bar. Called from worker threads, one call at a time. */
@FunctionalInterface
public interface ProgressListener {
    ProgressListener NONE = p -> {};

    void onProgress(Progress progress);

    /**
     * @param done samples finished (including those found on disk by --resume)
     * @param total samples planned, probes included
     * @param accuracy share correct among finished main samples, errors counted as wrong (NaN before the first)
     * @param errors samples that failed after retries
     * @param eta estimated time left from the pace of this session, or null before it can be estimated
     */
    record Progress(int done, int total, double accuracy, int errors, long inputTokens, long outputTokens, Duration eta) {}
}
