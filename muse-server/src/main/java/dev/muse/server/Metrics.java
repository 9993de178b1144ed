package dev.muse.server;

import dev.muse.core.Usage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;

/** Prometheus metrics: requests, tokens per mode, run latency, agent counts, backend errors. */
final class Metrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    void request(String method, String route, int status) {
        Counter.builder("muse.http.requests").description("HTTP requests by route and status")
                .tag("method", method).tag("route", route).tag("status", Integer.toString(status))
                .register(registry).increment();
    }

    void run(String mode, String status, Usage usage, long elapsedMillis, int agents) {
        Timer.builder("muse.run.latency").description("wall time of completion runs").tag("mode", mode).tag("status", status)
                .register(registry).record(Duration.ofMillis(elapsedMillis));
        if (usage != null) {
            tokens(mode, "input", usage.inputTokens());
            tokens(mode, "output", usage.outputTokens());
            tokens(mode, "reasoning", usage.reasoningTokens());
        }
        DistributionSummary.builder("muse.run.agents").description("agents per run").tag("mode", mode)
                .register(registry).record(agents);
    }

    private void tokens(String mode, String kind, long n) {
        Counter.builder("muse.tokens").description("tokens spent, summed over every agent call").tag("mode", mode).tag("kind", kind)
                .register(registry).increment(n);
    }

    void backendError(String kind) {
        Counter.builder("muse.backend.errors").description("runs that failed in a backend, by kind").tag("kind", kind)
                .register(registry).increment();
    }

    String scrape() {
        return registry.scrape();
    }
}
