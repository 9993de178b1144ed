package dev.muse.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.muse.core.Cancellation;
import dev.muse.core.ChatModel;
import dev.muse.core.ChatRequest;
import dev.muse.core.ChatResponse;
import dev.muse.core.Choice;
import dev.muse.core.ModelException;
import dev.muse.core.StreamEvent;
import dev.muse.core.Usage;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link ChatModel} passes: remote backends against a stand-in server, the embedded engine
 * with a tiny model. Subclass it, implement {@link #createModel()}, and override the request hooks when the
 * defaults do not suit the model (for example a fixed expected answer for a scripted stand-in).
 *
 * <p>The model is created lazily on first use in each test and closed after it, so a subclass can start its
 * stand-in server in a field initializer or {@code @BeforeEach}.
 */
public abstract class ChatModelContract {

    private ChatModel model;

    /** A fresh model under test. */
    protected abstract ChatModel createModel();

    /** A short question. */
    protected ChatRequest.Builder question() {
        return ChatRequest.builder().user("What is 2 + 2? Answer with one number.").maxTokens(64);
    }

    /** The exact answer to {@link #question()}, or null when it cannot be known (a real model). */
    protected String expectedAnswer() {
        return null;
    }

    /** A request whose answer streams for a good while (at least a second), to cancel in the middle. */
    protected ChatRequest.Builder longQuestion() {
        return ChatRequest.builder().user("Count slowly from 1 to 1000, one number per line.").maxTokens(4096);
    }

    /** How long a cancelled call may take to end. */
    protected Duration cancelGrace() {
        return Duration.ofSeconds(2);
    }

    protected final ChatModel model() {
        if (model == null) model = createModel();
        return model;
    }

    @AfterEach
    void closeModel() {
        if (model != null) model.close();
        model = null;
    }

    @Test
    void should_have_a_name_for_messages() {
        assertThat(model().name()).isNotBlank();
        assertThat(model().capabilities()).isNotNull();
    }

    @Test
    void should_answer_a_question() {
        ChatResponse r = model().chat(question().build());
        assertThat(r.choices()).hasSize(1);
        assertThat(r.first().index()).isZero();
        assertThat(r.text()).isNotBlank();
        if (expectedAnswer() != null) assertThat(r.text()).isEqualTo(expectedAnswer());
        assertThat(r.usage().calls()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void should_stream_deltas_that_concatenate_to_the_answer() {
        List<StreamEvent> events = new CopyOnWriteArrayList<>();
        ChatResponse r = model().stream(question().build(), events::add);
        StringBuilder text = new StringBuilder();
        StringBuilder reasoning = new StringBuilder();
        for (StreamEvent e : events) {
            if (e instanceof StreamEvent.TextDelta d) {
                assertThat(d.choice()).isZero();
                text.append(d.text());
            } else if (e instanceof StreamEvent.ReasoningDelta d) {
                reasoning.append(d.text());
            }
        }
        assertThat(events).filteredOn(StreamEvent.TextDelta.class::isInstance).isNotEmpty();
        assertThat(text.toString().strip()).isEqualTo(r.text());
        assertThat(reasoning.toString().strip()).isEqualTo(r.first().reasoning());
        if (expectedAnswer() != null) assertThat(r.text()).isEqualTo(expectedAnswer());
    }

    @Test
    void should_return_n_samples_numbered_from_zero() {
        List<StreamEvent> events = new CopyOnWriteArrayList<>();
        ChatResponse r = model().stream(question().n(3).build(), events::add);
        assertThat(r.choices()).extracting(Choice::index).containsExactly(0, 1, 2);
        assertThat(r.choices()).allSatisfy(c -> assertThat(c.text()).isNotBlank());
        for (int i = 0; i < 3; i++) {
            int choice = i;
            String streamed = events.stream()
                    .filter(e -> e instanceof StreamEvent.TextDelta d && d.choice() == choice)
                    .map(e -> ((StreamEvent.TextDelta) e).text())
                    .reduce("", String::concat);
            assertThat(streamed.strip()).as("deltas of choice %d", i).isEqualTo(r.choices().get(i).text());
        }
    }

    @Test
    void should_report_usage_of_every_call() {
        List<StreamEvent> events = new CopyOnWriteArrayList<>();
        ChatResponse r = model().stream(question().n(2).build(), events::add);
        List<Usage> reports = events.stream().filter(StreamEvent.UsageReport.class::isInstance)
                .map(e -> ((StreamEvent.UsageReport) e).usage()).toList();
        assertThat(reports).isNotEmpty();
        Usage sum = reports.stream().reduce(Usage.ZERO, Usage::plus);
        assertThat(sum).isEqualTo(r.usage());
        assertThat(r.usage().inputTokens()).isPositive();
        assertThat(r.usage().outputTokens()).isPositive();
        assertThat(r.usage().reasoningTokens()).isLessThanOrEqualTo(r.usage().outputTokens());
    }

    @Test
    void should_fail_as_cancelled_when_cancelled_before_the_call() {
        Cancellation c = new Cancellation();
        c.cancel("user pressed Ctrl-C");
        assertThatThrownBy(() -> model().chat(question().cancellation(c).build()))
                .isInstanceOfSatisfying(ModelException.class, e -> assertThat(e.kind()).isEqualTo(ModelException.Kind.CANCELLED));
    }

    @Test
    void should_stop_promptly_when_cancelled_mid_stream() throws Exception {
        Cancellation c = new Cancellation();
        CountDownLatch firstDelta = new CountDownLatch(1);
        ChatModel m = model();
        CompletableFuture<ChatResponse> call = CompletableFuture.supplyAsync(() -> m.stream(longQuestion().cancellation(c).build(), e -> {
            if (e instanceof StreamEvent.TextDelta || e instanceof StreamEvent.ReasoningDelta) firstDelta.countDown();
        }), r -> Thread.ofVirtual().start(r));
        if (!firstDelta.await(10, TimeUnit.SECONDS)) fail("no delta streamed within 10 s");
        long t0 = System.nanoTime();
        c.cancel("test");
        try {
            call.get(cancelGrace().toMillis(), TimeUnit.MILLISECONDS);
            fail("a cancelled call must not return an answer");
        } catch (java.util.concurrent.ExecutionException e) {
            assertThat(e.getCause()).isInstanceOfSatisfying(ModelException.class,
                    me -> assertThat(me.kind()).isEqualTo(ModelException.Kind.CANCELLED));
        } catch (java.util.concurrent.TimeoutException e) {
            fail("the call did not end within " + cancelGrace() + " of cancel()");
        }
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(cancelGrace());
    }
}
