package dev.cairn.ratis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** Group commit, driven by a submitter whose entries complete when the test says so. */
class WriteBatcherTest {
    private record Entry(long epoch, List<VolumeEntries.Write> writes, CompletableFuture<Void> applied) {
        long[] offsets() {
            return writes.stream().mapToLong(VolumeEntries.Write::offset).toArray();
        }
    }

    private final List<Entry> entries = new ArrayList<>();

    private WriteBatcher batcher(int maxInFlight, int maxEntryBytes) {
        return new WriteBatcher((epoch, writes) -> {
            Entry e = new Entry(epoch, List.copyOf(writes), new CompletableFuture<>());
            entries.add(e);
            return e.applied();
        }, maxInFlight, maxEntryBytes, Runnable::run);
    }

    private static ByteBuffer bytes(int n, int seed) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, (byte) seed);
        return ByteBuffer.wrap(b);
    }

    @Test
    void aLoneWriteGoesOutAtOnceAndAlone() {
        WriteBatcher b = batcher(2, 1 << 20);
        CompletableFuture<Void> w = b.write(1, 0, bytes(4096, 1));
        assertEquals(1, entries.size());
        assertArrayEquals(new long[] {0}, entries.get(0).offsets());
        assertFalse(w.isDone(), "done only when the entry is applied");
        entries.get(0).applied().complete(null);
        assertTrue(w.isDone() && !w.isCompletedExceptionally());
        assertEquals(0, b.inFlight());
    }

    @Test
    void writesArrivingWhileTheLogIsFullShareTheNextEntryInOrder() {
        WriteBatcher b = batcher(1, 1 << 20);
        CompletableFuture<Void> first = b.write(1, 0, bytes(4096, 1));
        List<CompletableFuture<Void>> queued = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            queued.add(b.write(1, i * 4096L, bytes(4096, i)));
        }
        assertEquals(1, entries.size(), "the others wait for room");
        entries.get(0).applied().complete(null);
        assertTrue(first.isDone());
        assertEquals(2, entries.size());
        assertArrayEquals(new long[] {4096, 8192, 12288, 16384, 20480}, entries.get(1).offsets());
        assertTrue(queued.stream().noneMatch(CompletableFuture::isDone));
        entries.get(1).applied().complete(null);
        assertTrue(queued.stream().allMatch(f -> f.isDone() && !f.isCompletedExceptionally()));
    }

    @Test
    void smallWritesWaitForTheLogToEmptyWhileLargeOnesOverlap() {
        WriteBatcher b = batcher(4, 16_384);
        b.write(1, 0, bytes(4096, 1));
        b.write(1, 4096, bytes(4096, 2));
        b.write(1, 8192, bytes(2048, 3));
        assertEquals(1, entries.size(), "small writes queue behind the entry in the log");
        b.write(1, 65536, bytes(8192, 4));
        assertEquals(2, entries.size(), "half an entry's bytes queued: out while the first is in the log");
        assertArrayEquals(new long[] {4096, 8192, 65536}, entries.get(1).offsets());
        b.write(1, 131072, bytes(16_384, 5));
        b.write(1, 147456, bytes(16_384, 6));
        assertEquals(4, entries.size(), "large writes go out alone, up to maxInFlight entries");
        b.write(1, 163840, bytes(16_384, 7));
        assertEquals(4, entries.size(), "the fifth waits");
        entries.get(0).applied().complete(null);
        assertEquals(5, entries.size());
        assertArrayEquals(new long[] {163840}, entries.get(4).offsets());
    }

    @Test
    void queuedWritesAreCopiedSoTheCallerMayReuseItsBuffer() {
        WriteBatcher b = batcher(1, 1 << 20);
        b.write(1, 0, bytes(16, 1));
        ByteBuffer reused = bytes(16, 7);
        b.write(1, 4096, reused);
        reused.put(0, (byte) 99);
        entries.get(0).applied().complete(null);
        assertEquals(7, entries.get(1).writes().get(0).data().get(0));
    }

    @Test
    void anEntryHoldsAtMostMaxEntryBytesAndOneEpoch() {
        WriteBatcher b = batcher(1, 10_000);
        b.write(1, 0, bytes(4096, 1));
        b.write(1, 4096, bytes(4096, 2));
        b.write(1, 8192, bytes(4096, 3));
        b.write(1, 12288, bytes(4096, 4));
        b.write(2, 16384, bytes(4096, 5));
        entries.get(0).applied().complete(null);
        assertArrayEquals(new long[] {4096, 8192}, entries.get(1).offsets(), "two of 4 KiB fit in 10,000 bytes");
        entries.get(1).applied().complete(null);
        assertArrayEquals(new long[] {12288}, entries.get(2).offsets(), "the next write has another epoch");
        assertEquals(1, entries.get(2).epoch());
        entries.get(2).applied().complete(null);
        assertEquals(2, entries.get(3).epoch());
        assertArrayEquals(new long[] {16384}, entries.get(3).offsets());
    }

    @Test
    void aFailedEntryFailsEveryWriteInItAndTheQueueMovesOn() {
        WriteBatcher b = batcher(1, 1 << 20);
        CompletableFuture<Void> first = b.write(1, 0, bytes(512, 1));
        CompletableFuture<Void> second = b.write(1, 512, bytes(512, 2));
        CompletableFuture<Void> third = b.write(1, 1024, bytes(512, 3));
        RuntimeException fenced = new VolumeIOException(VolumeIOException.Kind.FENCED, "fenced");
        entries.get(0).applied().completeExceptionally(fenced);
        CompletionException e = assertThrows(CompletionException.class, first::join);
        assertSame(fenced, e.getCause());
        entries.get(1).applied().completeExceptionally(fenced);
        assertThrows(CompletionException.class, second::join);
        assertThrows(CompletionException.class, third::join);
        assertEquals(0, b.inFlight());
        CompletableFuture<Void> later = b.write(1, 0, bytes(512, 4));
        entries.get(2).applied().complete(null);
        assertTrue(later.isDone() && !later.isCompletedExceptionally());
    }

    @Test
    void aSubmitterThatThrowsFailsTheWriteAndFreesItsSlot() {
        WriteBatcher b = new WriteBatcher((epoch, writes) -> {
            throw new IllegalStateException("closed");
        }, 1, 1 << 20, Runnable::run);
        CompletableFuture<Void> w = b.write(1, 0, bytes(512, 1));
        assertTrue(w.isCompletedExceptionally());
        assertEquals(0, b.inFlight());
    }

    @Test
    void aWriteLargerThanAnEntryIsRefused() {
        WriteBatcher b = batcher(1, 4096);
        assertThrows(IllegalArgumentException.class, () -> b.write(1, 0, bytes(4097, 1)));
        assertTrue(entries.isEmpty());
    }
}
