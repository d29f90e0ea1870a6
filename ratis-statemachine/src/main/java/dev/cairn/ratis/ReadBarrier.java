package dev.cairn.ratis;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Read-index batching: a read may be served locally once a confirmation (a linearizable no-op
 * read through Ratis) that <em>started after the read arrived</em> has completed. One confirmation
 * runs at a time; reads arriving while it runs wait for the next one, which starts as soon as the
 * current one ends and serves all of them. Under load one Raft read serves a whole queue of reads;
 * a lone read pays exactly one, as before.
 */
final class ReadBarrier {
    private final Supplier<CompletableFuture<?>> confirmation;
    private final Executor executor;
    private CompletableFuture<Void> running;
    private CompletableFuture<Void> next;

    /**
     * @param executor where a finished confirmation releases its reads and starts the next one:
     *                 never the thread that completed it, which inside Ratis may hold a lock the
     *                 next confirmation needs (Ratis completes read-index futures under its
     *                 read queue's monitor, on the apply thread)
     */
    ReadBarrier(Supplier<CompletableFuture<?>> confirmation, Executor executor) {
        this.confirmation = confirmation;
        this.executor = executor;
    }

    /** Completes when a confirmation that started after this call has succeeded; fails with it. */
    CompletableFuture<Void> await() {
        CompletableFuture<Void> start;
        synchronized (this) {
            if (running != null) {
                if (next == null) {
                    next = new CompletableFuture<>();
                }
                return next;
            }
            running = new CompletableFuture<>();
            start = running;
        }
        run(start);
        return start;
    }

    private void run(CompletableFuture<Void> waiters) {
        CompletableFuture<?> confirmed;
        try {
            confirmed = confirmation.get();
        } catch (RuntimeException e) {
            confirmed = CompletableFuture.failedFuture(e);
        }
        confirmed.whenCompleteAsync((r, error) -> {
            CompletableFuture<Void> following;
            synchronized (this) {
                following = next;
                next = null;
                running = following;
            }
            if (following != null) {
                run(following);
            }
            if (error != null) {
                waiters.completeExceptionally(error);
            } else {
                waiters.complete(null);
            }
        }, executor);
    }
}
