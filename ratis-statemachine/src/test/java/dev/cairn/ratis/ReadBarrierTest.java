package dev.cairn.ratis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Read-index batching: a read is only released by a confirmation that started after it arrived. */
class ReadBarrierTest {
    private final List<CompletableFuture<Object>> confirmations = new ArrayList<>();
    private final ReadBarrier barrier = new ReadBarrier(() -> {
        CompletableFuture<Object> c = new CompletableFuture<>();
        confirmations.add(c);
        return c;
    }, Runnable::run);

    @Test
    void aReadArrivingDuringAConfirmationWaitsForTheNextOne() {
        CompletableFuture<Void> early = barrier.await();
        assertEquals(1, confirmations.size());
        CompletableFuture<Void> late1 = barrier.await();
        CompletableFuture<Void> late2 = barrier.await();
        assertEquals(1, confirmations.size(), "one confirmation at a time");
        assertSame(late1, late2, "reads that arrive together share the next confirmation");

        confirmations.get(0).complete(null);
        assertTrue(early.isDone());
        assertFalse(late1.isDone(), "the first confirmation began before these reads arrived");
        assertEquals(2, confirmations.size(), "the next one starts at once");

        confirmations.get(1).complete(null);
        assertTrue(late1.isDone() && !late1.isCompletedExceptionally());
        CompletableFuture<Void> idle = barrier.await();
        assertEquals(3, confirmations.size(), "an idle barrier starts a confirmation for a new read");
        confirmations.get(2).complete(null);
        assertTrue(idle.isDone());
    }

    @Test
    void aFailedConfirmationFailsItsReadsOnlyAndTheNextOneStillRuns() {
        CompletableFuture<Void> first = barrier.await();
        CompletableFuture<Void> second = barrier.await();
        confirmations.get(0).completeExceptionally(new VolumeIOException(VolumeIOException.Kind.NOT_PRIMARY, "not the leader"));
        assertTrue(first.isCompletedExceptionally());
        assertFalse(second.isDone());
        confirmations.get(1).complete(null);
        assertTrue(second.isDone() && !second.isCompletedExceptionally());
    }

    @Test
    void aConfirmationThatThrowsFailsTheReadAndLeavesTheBarrierUsable() {
        boolean[] fail = {true};
        ReadBarrier throwing = new ReadBarrier(() -> {
            if (fail[0]) {
                throw new IllegalStateException("server closed");
            }
            return CompletableFuture.completedFuture(null);
        }, Runnable::run);
        assertTrue(throwing.await().isCompletedExceptionally());
        fail[0] = false;
        CompletableFuture<Void> again = throwing.await();
        assertTrue(again.isDone() && !again.isCompletedExceptionally());
    }
}
