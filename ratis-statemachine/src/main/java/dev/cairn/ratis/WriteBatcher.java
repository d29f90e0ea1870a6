package dev.cairn.ratis;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BiFunction;

/**
 * Group commit for one volume's writes. A write that finds no entry of the volume in the log goes
 * out at once, alone, so a lone writer waits for nothing. Otherwise writes queue up and go out
 * together as one entry when the log is empty again; only a queue holding at least half an entry's
 * bytes (large writes) goes out while others are still in the log, up to {@code maxInFlight}
 * entries. Raft's per-entry costs (log append, replication, apply on every replica) are then paid
 * once for many small writes, while large sequential writes still overlap. Measured in
 * docs/benchmarks.md: with 4 entries in flight for any write, 4k random writes at QD32 made entries
 * of 3 writes each; with 1, sequential 1 MiB writes could not overlap.
 *
 * <p>Writes in flight together are unordered (NBD promises nothing between requests that overlap
 * in time), but an entry applies its writes in arrival order, so the later of two overlapping writes
 * wins, as it would have in separate entries. Only writes with the same epoch share an entry.
 */
final class WriteBatcher {
    /** Submits one entry (the writes, in order, with their epoch); completes when it is applied. */
    interface Submitter extends BiFunction<Long, List<VolumeEntries.Write>, CompletableFuture<?>> {
    }

    private record Pending(long epoch, VolumeEntries.Write write, CompletableFuture<Void> done) {
    }

    private final Submitter submitter;
    private final int maxInFlight;
    private final int maxEntryBytes;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private final Executor executor;
    private int inFlight;
    private long queuedBytes;

    /**
     * @param executor where a completed entry releases its writers and sends the next entry: never
     *                 the thread that completed it (Ratis' apply thread, which must not wait on
     *                 Ratis' own client executor)
     */
    WriteBatcher(Submitter submitter, int maxInFlight, int maxEntryBytes, Executor executor) {
        if (maxInFlight < 1 || maxEntryBytes < 1) {
            throw new IllegalArgumentException("maxInFlight and maxEntryBytes must be positive");
        }
        this.submitter = submitter;
        this.maxInFlight = maxInFlight;
        this.maxEntryBytes = maxEntryBytes;
        this.executor = executor;
    }

    /**
     * Writes {@code data} (at most {@code maxEntryBytes}) at {@code offset}. The buffer is read
     * before this returns: the caller may reuse it at once.
     */
    CompletableFuture<Void> write(long epoch, long offset, ByteBuffer data) {
        if (data.remaining() > maxEntryBytes) {
            throw new IllegalArgumentException("one write carries at most " + maxEntryBytes + " bytes");
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        boolean queued = false;
        boolean queueMayGo = false;
        synchronized (this) {
            if (queue.isEmpty() && mayStart(data.remaining())) {
                inFlight++;
            } else {
                queue.add(new Pending(epoch, new VolumeEntries.Write(offset, copy(data)), done));
                queuedBytes += data.remaining();
                queued = true;
                queueMayGo = mayStart(queuedBytes); // the queue may now hold half an entry
            }
        }
        if (queued) {
            if (queueMayGo) {
                sendQueued();
            }
            return done;
        }
        // Room in the log: out alone, encoded straight from the caller's buffer.
        send(epoch, List.of(new VolumeEntries.Write(offset, data)), List.of(done));
        return done;
    }

    /** Whether an entry of {@code bytes} may go out now (caller holds the lock). */
    private boolean mayStart(long bytes) {
        return inFlight == 0 || (inFlight < maxInFlight && bytes >= maxEntryBytes / 2);
    }

    /** Entries submitted and not yet completed. For tests. */
    synchronized int inFlight() {
        return inFlight;
    }

    private void send(long epoch, List<VolumeEntries.Write> writes, List<CompletableFuture<Void>> waiters) {
        CompletableFuture<?> applied;
        try {
            applied = submitter.apply(epoch, writes);
        } catch (RuntimeException e) {
            applied = CompletableFuture.failedFuture(e);
        }
        applied.whenCompleteAsync((r, error) -> {
            synchronized (this) {
                inFlight--;
            }
            sendQueued();
            for (CompletableFuture<Void> w : waiters) {
                if (error != null) {
                    w.completeExceptionally(error);
                } else {
                    w.complete(null);
                }
            }
        }, executor);
    }

    /** Sends what queued up, as entries of up to maxEntryBytes, while there is room in the log. */
    private void sendQueued() {
        while (true) {
            long epoch;
            List<VolumeEntries.Write> writes = new ArrayList<>();
            List<CompletableFuture<Void>> waiters = new ArrayList<>();
            synchronized (this) {
                if (queue.isEmpty() || !mayStart(queuedBytes)) {
                    return;
                }
                epoch = queue.peek().epoch();
                long bytes = 0;
                while (!queue.isEmpty() && queue.peek().epoch() == epoch
                        && (writes.isEmpty() || bytes + queue.peek().write().data().remaining() <= maxEntryBytes)) {
                    Pending p = queue.poll();
                    bytes += p.write().data().remaining();
                    queuedBytes -= p.write().data().remaining();
                    writes.add(p.write());
                    waiters.add(p.done());
                }
                inFlight++;
            }
            send(epoch, writes, waiters);
        }
    }

    private static ByteBuffer copy(ByteBuffer data) {
        ByteBuffer copy = ByteBuffer.allocate(data.remaining());
        copy.put(data.duplicate());
        return copy.flip();
    }
}
