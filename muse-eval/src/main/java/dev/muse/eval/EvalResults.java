package dev.muse.eval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.muse.eval.stats.Paired;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What an evaluation found, as written to results.json ({@link #json}) and as typed values for the CLI.
 *
 * @param modes one summary per mode that ran, in the order asked for
 * @param omitted modes left out of the table, with the reason (not requested, or every run failed)
 * @param comparisons every pair of modes, tested on the same items
 * @param notes what a reader should know (items skipped while loading, probe caveats, resume details)
 */
public record EvalResults(
        Path outDir,
        String benchmark,
        List<ModeSummary> modes,
        Map<String, String> omitted,
        List<Paired> comparisons,
        List<String> notes,
        JsonNode json) {

    /**
     * One mode's figures over the main samples (one per item and epoch; failed samples count as wrong).
     *
     * @param n samples, errors included
     * @param passAtK pass@k for k = 1..epochs (empty with one epoch)
     * @param majorityAtK majority@k with k = epochs, or NaN with one epoch
     * @param cost dollars for the whole mode at the configured prices (0 when none were given)
     */
    public record ModeSummary(
            String mode,
            int n,
            int items,
            int errors,
            double accuracy,
            double ciLow,
            double ciHigh,
            double inputTokensMean,
            double outputTokensMean,
            double reasoningTokensMean,
            long inputTokensTotal,
            long outputTokensTotal,
            long reasoningTokensTotal,
            long calls,
            double latencyP50,
            double latencyP95,
            double cost,
            double accuracyPer1kOutputTokens,
            double refusalRate,
            Map<Integer, Double> passAtK,
            double majorityAtK) {}

    public Path samplesFile() {
        return outDir.resolve("samples.jsonl");
    }

    public Path resultsFile() {
        return outDir.resolve("results.json");
    }

    public Path reportFile() {
        return outDir.resolve("report.html");
    }
}
