package dev.muse.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.muse.engine.model.Architecture;
import dev.muse.engine.model.RandomModelWriter;
import dev.muse.engine.tensor.GgmlType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Continuous batching over one {@link LocalModel}: concurrent calls share steps, results as if each ran alone. */
class SchedulerTest {
    @TempDir static Path dir;
    static LocalModel model;
    static final int[] PROMPT = {1, 300, 301, 302, 303, 304, 305, 306, 307, 308};

    @BeforeAll
    static void load() throws Exception {
        Path file = dir.resolve("tiny.gguf");
        RandomModelWriter.write(file, Architecture.LLAMA, RandomModelWriter.Shape.tiny(), GgmlType.Q8_0, 9);
        model = LocalModels.load(file, null, new EngineOptions(2, 256));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    record Seen(int sequences, int sharedPrefix) {}

    static GenerateOptions greedy() {
        return new GenerateOptions(12, dev.muse.engine.sampling.SamplerOptions.GREEDY, false, false);
    }

    @Test
    void concurrent_requests_should_decode_in_one_batch_and_get_what_they_get_alone() throws Exception {
        int[] alone = model.generate(PROMPT, greedy(), null).tokens();
        int agents = 4;
        CountDownLatch submitted = new CountDownLatch(agents - 1);
        List<List<Seen>> seen = new ArrayList<>();
        for (int i = 0; i < agents; i++) seen.add(new CopyOnWriteArrayList<>());
        List<Future<Generation>> results = new ArrayList<>();
        try (ExecutorService exec = Executors.newFixedThreadPool(agents)) {
            for (int a = 0; a < agents; a++) {
                int agent = a;
                results.add(exec.submit(() -> {
                    if (agent > 0) submitted.countDown();
                    return model.generate(PROMPT, greedy(), new TokenSink() {
                        boolean waited;

                        @Override
                        public boolean accept(int sample, int token) {
                            if (agent == 0 && !waited) { // hold the first step until the others have asked
                                waited = true;
                                try {
                                    submitted.await(5, TimeUnit.SECONDS);
                                    Thread.sleep(100);
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                }
                            }
                            return true;
                        }

                        @Override
                        public void batch(int sequences, int sharedPrefix) {
                            seen.get(agent).add(new Seen(sequences, sharedPrefix));
                        }
                    });
                }));
                if (a == 0) Thread.sleep(50); // the first request starts alone
            }
            for (Future<Generation> f : results) assertThat(f.get(30, TimeUnit.SECONDS).tokens()).containsExactly(alone);
        }
        assertThat(seen.get(0)).extracting(Seen::sequences).contains(agents);
        // the later agents found the same prompt in the cache and computed only its last token
        for (int a = 1; a < agents; a++) {
            assertThat(seen.get(a)).as("agent %d", a).isNotEmpty();
            assertThat(seen.get(a).getFirst().sharedPrefix()).isEqualTo(PROMPT.length - 1);
        }
    }

    @Test
    void a_next_turn_should_reuse_the_cached_conversation_and_continue_it_exactly() {
        int[] p1 = {1, 270, 271, 272, 273, 274, 275, 276};
        Generation g1 = model.generate(p1, greedy(), null);
        int[] p2 = new int[p1.length + g1.tokens().length + 3];
        System.arraycopy(p1, 0, p2, 0, p1.length);
        System.arraycopy(g1.tokens(), 0, p2, p1.length, g1.tokens().length);
        p2[p2.length - 3] = 290;
        p2[p2.length - 2] = 291;
        p2[p2.length - 1] = 292;
        List<Seen> seen = new ArrayList<>();
        Generation g2 = model.generate(p2, greedy(), new TokenSink() {
            @Override
            public boolean accept(int sample, int token) {
                return true;
            }

            @Override
            public void batch(int sequences, int sharedPrefix) {
                seen.add(new Seen(sequences, sharedPrefix));
            }
        });
        // the whole first turn except its last generated token (never run through the model) was cached
        assertThat(seen.getFirst().sharedPrefix()).isEqualTo(p1.length + g1.tokens().length - 1);
        try (LocalModel fresh = LocalModels.load(dir.resolve("tiny.gguf"), null, new EngineOptions(1, 256))) {
            assertThat(g2.tokens()).containsExactly(fresh.generate(p2, greedy(), null).tokens());
        }
    }

    @Test
    void n_samples_should_report_their_shared_prompt() {
        List<Seen> seen = new CopyOnWriteArrayList<>();
        List<Generation> gens = model.generate(new int[] {1, 280, 281, 282}, 3, greedy(), new TokenSink() {
            @Override
            public boolean accept(int sample, int token) {
                return true;
            }

            @Override
            public void batch(int sequences, int sharedPrefix) {
                seen.add(new Seen(sequences, sharedPrefix));
            }
        });
        assertThat(gens).hasSize(3);
        assertThat(gens.get(1).tokens()).containsExactly(gens.get(0).tokens()); // greedy: same tokens
        assertThat(seen).contains(new Seen(3, 4));
    }

    @Test
    void requests_submitted_together_should_share_their_prefix_and_decode_in_one_batch_from_the_first_step() throws Exception {
        // F32 weights: every kernel computes a vector the same way alone or in a batch, so results must be identical
        Path file = dir.resolve("tiny-f32.gguf");
        RandomModelWriter.write(file, Architecture.LLAMA, RandomModelWriter.Shape.tiny(), GgmlType.F32, 11);
        int shared = 14;
        int agents = 4;
        int[][] prompts = new int[agents][];
        for (int a = 0; a < agents; a++) {
            prompts[a] = new int[shared + 2 + a];
            for (int i = 0; i < prompts[a].length; i++) prompts[a][i] = i < shared ? 200 + i : 250 + 10 * a + i;
        }
        GenerateOptions sampled = new GenerateOptions(10, new dev.muse.engine.sampling.SamplerOptions(0.9f, 20, 0.95f, 0.02f, 1.1f, 0f, 0f, 64, 77), false, false);
        int[][] alone = new int[agents][];
        for (int a = 0; a < agents; a++) {
            try (LocalModel fresh = LocalModels.load(file, null, new EngineOptions(1, 128))) {
                alone[a] = fresh.generate(prompts[a], sampled, null).tokens();
            }
        }
        List<List<Seen>> seen = new ArrayList<>();
        for (int i = 0; i < agents; i++) seen.add(new CopyOnWriteArrayList<>());
        try (LocalModel together = LocalModels.load(file, null, new EngineOptions(2, 128));
                ExecutorService exec = Executors.newFixedThreadPool(agents)) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Generation>> results = new ArrayList<>();
            for (int a = 0; a < agents; a++) {
                int agent = a;
                results.add(exec.submit(() -> {
                    go.await();
                    return together.generate(prompts[agent], sampled, new TokenSink() {
                        @Override
                        public boolean accept(int sample, int token) {
                            return true;
                        }

                        @Override
                        public void batch(int sequences, int sharedPrefix) {
                            seen.get(agent).add(new Seen(sequences, sharedPrefix));
                        }
                    });
                }));
            }
            go.countDown();
            for (int a = 0; a < agents; a++) {
                assertThat(results.get(a).get(30, TimeUnit.SECONDS).tokens()).as("agent %d", a).containsExactly(alone[a]);
            }
        }
        // one batch of all four from the first step on (no step ran with fewer)
        for (int a = 0; a < agents; a++) assertThat(seen.get(a)).as("agent %d", a).extracting(Seen::sequences).containsExactly(agents);
        // the shared instructions were computed once: the first prompt computed them, the others copied them (a prompt
        // computing its own prefix would report 0)
        assertThat(seen).extracting(l -> l.getFirst().sharedPrefix()).containsOnly(shared);
    }
}
