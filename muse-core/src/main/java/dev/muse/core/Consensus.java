package dev.muse.core;

import java.util.List;

/**
 * How Contemplating's agents' answers were combined.
 *
 * @param answer the chosen final answer
 * @param agreement share of the answering agents in the winning cluster (0..1)
 * @param clusters equivalent answers grouped, heaviest first
 * @param method how the winner was picked: "majority", "weighted", "judge", "synthesis", "single"
 * @param rationale a short human-readable reason (a judge's verdict, a tie-break)
 */
public record Consensus(String answer, double agreement, List<Cluster> clusters, String method, String rationale) {
    public Consensus {
        clusters = clusters == null ? List.of() : List.copyOf(clusters);
    }

    /**
     * One group of equivalent answers.
     *
     * @param answer a representative answer as an agent wrote it
     * @param normalized the normalised key the agents' answers share
     * @param agentIds the agents whose answers fell in this cluster
     * @param weight the cluster's score (votes, plus self-verification bonus)
     */
    public record Cluster(String answer, String normalized, List<String> agentIds, double weight) {
        public Cluster {
            agentIds = agentIds == null ? List.of() : List.copyOf(agentIds);
        }
    }
}
