package dev.muse.backends;

import dev.muse.core.Cancellation;
import dev.muse.core.ChatRequest;
import dev.muse.core.ChatResponse;
import dev.muse.core.Choice;
import dev.muse.core.ModelException;
import dev.muse.core.StreamEvent;
import dev.muse.core.StreamListener;
import dev.muse.core.Usage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** {@code n} samples as concurrent single calls, for servers without {@code n} (and Anthropic, which has none). */
final class Samples {
    private Samples() {}

    @FunctionalInterface
    interface SingleCall {
        ChatResponse call(ChatRequest request, StreamListener listener);
    }

    /**
     * Runs {@code count} single-sample calls at once; sample {@code i} becomes choice {@code offset + i}. If one
     * fails the others are cancelled and that failure is thrown.
     */
    static ChatResponse concurrent(SingleCall call, ChatRequest request, int count, int offset, StreamListener listener, long start) {
        // a group signal that follows the caller's, unhooked afterwards so long-lived signals collect no hooks
        Cancellation group = new Cancellation();
        Cancellation parent = request.cancellation();
        List<Future<ChatResponse>> futures = new ArrayList<>();
        try (AutoCloseable unhook = parent.onCancel(() -> group.cancel(parent.reason()));
                ExecutorService exec = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < count; i++) {
                int choice = offset + i;
                ChatRequest.Builder b = request.toBuilder().n(1).cancellation(group);
                if (request.seed() != null) b.seed(request.seed() + choice); // the same seed would give the same sample
                ChatRequest single = b.build();
                futures.add(exec.submit(() -> {
                    try {
                        return call.call(single, renumber(listener, choice));
                    } catch (RuntimeException e) {
                        group.cancel("sample " + choice + " failed");
                        throw e;
                    }
                }));
            }
            List<Choice> choices = new ArrayList<>();
            Usage usage = Usage.ZERO;
            String model = null;
            RuntimeException failure = null;
            for (int i = 0; i < count; i++) {
                try {
                    ChatResponse r = futures.get(i).get();
                    Choice c = r.first();
                    choices.add(new Choice(offset + i, c.text(), c.reasoning(), c.toolCalls(), c.finishReason()));
                    usage = usage.plus(r.usage());
                    model = r.model();
                } catch (ExecutionException e) {
                    RuntimeException cause = e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
                    // report the first real failure, not the cancellations it caused
                    if (failure == null || (isCancel(failure) && !isCancel(cause))) failure = cause;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    group.cancel("interrupted");
                    throw new ModelException(null, ModelException.Kind.CANCELLED, "cancelled: interrupted", e);
                }
            }
            if (failure != null) {
                if (request.cancellation().isCancelled()) request.cancellation().throwIfCancelled(failureBackend(failure));
                throw failure;
            }
            return new ChatResponse(choices, usage, model, (System.nanoTime() - start) / 1_000_000);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("unhooking a cancellation cannot fail", e);
        }
    }

    private static boolean isCancel(RuntimeException e) {
        return e instanceof ModelException m && m.kind() == ModelException.Kind.CANCELLED;
    }

    private static String failureBackend(RuntimeException e) {
        return e instanceof ModelException m ? m.backend() : null;
    }

    static ChatResponse merge(ChatResponse first, ChatResponse rest, long start) {
        List<Choice> all = new ArrayList<>(first.choices());
        all.addAll(rest.choices());
        return new ChatResponse(all, first.usage().plus(rest.usage()), first.model(), (System.nanoTime() - start) / 1_000_000);
    }

    /** Events of a single-sample call, renumbered as sample {@code choice}. */
    static StreamListener renumber(StreamListener l, int choice) {
        if (l == StreamListener.NONE) return l;
        return e -> l.on(switch (e) {
            case StreamEvent.TextDelta d -> new StreamEvent.TextDelta(d.agentId(), choice, d.text());
            case StreamEvent.ReasoningDelta d -> new StreamEvent.ReasoningDelta(d.agentId(), choice, d.text());
            case StreamEvent.ToolCallRequested t -> new StreamEvent.ToolCallRequested(t.agentId(), choice, t.call());
            default -> e;
        });
    }
}
