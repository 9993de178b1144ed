package dev.muse.reasoning;

import dev.muse.core.Consensus;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Weighs Contemplating's candidate answers: equivalent answers (by {@link Answers#normalize}) form clusters, a
 * cluster weighs one per agent plus a bonus per agent whose self-refinement confirmed its answer. Pure: the judge
 * and synthesiser calls live in {@link Contemplating}.
 */
final class Aggregator {
    private Aggregator() {}

    /** A bonus smaller than one vote: self-verification breaks ties, it does not outvote agreement. */
    static final double VERIFIED_BONUS = 0.25;

    /**
     * One agent's final answer.
     *
     * @param text the agent's full final response
     * @param answer the extracted short answer (or the whole text for free-form responses)
     * @param confirmed the agent's self-refinement kept the same answer
     */
    record Candidate(String agentId, String text, String answer, boolean shortForm, boolean confirmed) {
        String key() {
            return Answers.normalize(answer);
        }

        static Candidate of(String agentId, String text, boolean confirmed) {
            Answers.Extracted e = Answers.extract(text);
            return new Candidate(agentId, text, e.text(), e.shortForm(), confirmed);
        }
    }

    /** A cluster while weighing: its candidates in agent order. */
    record Group(String key, List<Candidate> members, double weight) {
        int votes() {
            return members.size();
        }

        int confirmations() {
            return (int) members.stream().filter(Candidate::confirmed).count();
        }

        /** The member whose text represents the cluster: a confirmed one if any, else the first. */
        Candidate representative() {
            return members.stream().filter(Candidate::confirmed).findFirst().orElse(members.getFirst());
        }

        Consensus.Cluster toCluster() {
            return new Consensus.Cluster(representative().answer(), key,
                    members.stream().map(Candidate::agentId).toList(), weight);
        }
    }

    /** Clusters heaviest first; ties go to more votes, then to the cluster that answered first. */
    static List<Group> cluster(List<Candidate> candidates) {
        Map<String, List<Candidate>> byKey = new LinkedHashMap<>();
        for (Candidate c : candidates) byKey.computeIfAbsent(c.key(), k -> new ArrayList<>()).add(c);
        List<Group> groups = new ArrayList<>();
        for (var e : byKey.entrySet()) {
            long confirmed = e.getValue().stream().filter(Candidate::confirmed).count();
            groups.add(new Group(e.getKey(), List.copyOf(e.getValue()), e.getValue().size() + VERIFIED_BONUS * confirmed));
        }
        List<Group> order = new ArrayList<>(groups);
        order.sort(Comparator.comparingDouble(Group::weight).reversed()
                .thenComparing(Comparator.comparingInt(Group::votes).reversed())
                .thenComparingInt(groups::indexOf));
        return order;
    }

    /** True when most candidates have no short answer, so a synthesiser should write the final response. */
    static boolean freeForm(List<Candidate> candidates) {
        long shortOnes = candidates.stream().filter(Candidate::shortForm).count();
        return shortOnes * 2 < candidates.size();
    }

    /** The largest cluster's size when it reaches {@code quorum} votes, else 0. */
    static int quorumSize(List<Candidate> candidates, int quorum) {
        if (candidates.isEmpty()) return 0;
        Group top = cluster(candidates).stream().max(Comparator.comparingInt(Group::votes)).orElseThrow();
        return top.votes() >= quorum ? top.votes() : 0;
    }

    /** The consensus from weighing alone: "single", "majority" (most votes won) or "weighted" (bonuses decided). */
    static Consensus weigh(List<Group> groups, int answering) {
        Group top = groups.getFirst();
        String method;
        String why;
        if (answering == 1) {
            method = "single";
            why = "only one agent answered";
        } else {
            int maxVotes = groups.stream().mapToInt(Group::votes).max().orElse(0);
            long tiedOnVotes = groups.stream().filter(g -> g.votes() == maxVotes).count();
            if (top.votes() == maxVotes && tiedOnVotes == 1) {
                method = "majority";
                why = top.votes() + " of " + answering + " agents agreed";
            } else {
                method = "weighted";
                why = top.votes() + " of " + answering + " agents agreed; " + top.confirmations()
                        + " confirmed it on review, which broke the tie";
            }
        }
        return new Consensus(top.representative().answer(), (double) top.votes() / answering,
                groups.stream().map(Group::toCluster).toList(), method, why);
    }

    private static final Pattern VERDICT = Pattern.compile("(?i)verdict\\s*[:：]?\\s*\\[?\\s*(\\d+)");

    /** The candidate number a judge named on its "Verdict: N" line (1-based), or -1. */
    static int parseVerdict(String judgeText) {
        if (judgeText == null) return -1;
        Matcher m = VERDICT.matcher(judgeText);
        int found = -1;
        while (m.find()) found = Integer.parseInt(m.group(1));
        return found;
    }
}
