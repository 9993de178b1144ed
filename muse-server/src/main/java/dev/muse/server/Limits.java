package dev.muse.server;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Per-key request rate (a sliding minute) and total token quota; both answer 429 with what to do. */
final class Limits {
    private final int requestsPerMinute;
    private final long tokenQuota;
    private final ApiKeys keys;
    private final Map<String, Deque<Long>> windows = new ConcurrentHashMap<>();

    Limits(int requestsPerMinute, long tokenQuota, ApiKeys keys) {
        this.requestsPerMinute = requestsPerMinute;
        this.tokenQuota = tokenQuota;
        this.keys = keys;
    }

    void checkRate(Principal p) {
        if (requestsPerMinute <= 0) return;
        long now = System.currentTimeMillis();
        Deque<Long> w = windows.computeIfAbsent(p.owner(), k -> new ArrayDeque<>());
        synchronized (w) {
            while (!w.isEmpty() && w.peekFirst() <= now - 60_000) w.pollFirst();
            if (w.size() >= requestsPerMinute) {
                long retry = Math.max(1, (w.peekFirst() + 60_000 - now + 999) / 1000);
                throw new ApiError(429, "rate_limit_exceeded", null, "rate_limit_exceeded", "Rate limit reached: "
                        + requestsPerMinute + " requests per minute for " + p.describe() + ". Retry in " + retry + " s.");
            }
            w.addLast(now);
        }
    }

    /** Throws 429 when the key's quota is used up; returns the tokens left (the run's budget), or null for no quota. */
    Long checkQuota(Principal p) {
        if (tokenQuota <= 0 || p.keyId() == null) return null;
        long used = keys.tokensUsed(p.keyId());
        if (used >= tokenQuota) {
            throw new ApiError(429, "insufficient_quota", null, "insufficient_quota", "Token quota used up: " + p.describe()
                    + " has used " + used + " of its " + tokenQuota + " tokens. Ask the server's operator for a larger quota or a new key.");
        }
        return tokenQuota - used;
    }

    void charge(Principal p, long tokens) {
        if (p.keyId() != null && tokens > 0) keys.addTokens(p.keyId(), tokens);
    }
}
