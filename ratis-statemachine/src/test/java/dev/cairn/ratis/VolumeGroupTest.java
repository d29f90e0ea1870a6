package dev.cairn.ratis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.ratis.volume.VolumeLayout;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A one-replica volume group on a real Ratis server (real port, real log), over an in-memory store. */
@Timeout(120)
class VolumeGroupTest {

    static final int BS = 4096;
    static final VolumeLayout LAYOUT = new VolumeLayout(7, 64L * BS, BS);

    @TempDir
    Path dir;
    final MemoryChunkStore store = new MemoryChunkStore(BS);
    RaftHost host;

    /** Write entries of at least this many bytes keep their data in the journal (the default here). */
    int journalFrom() {
        return RaftHostConfig.DEFAULT_JOURNAL_ENTRY_BYTES;
    }

    RaftHost start(long snapshotEvery) throws IOException {
        return start(snapshotEvery, store);
    }

    RaftHost start(long snapshotEvery, dev.cairn.chunkstore.ChunkStore on) throws IOException {
        RaftHostConfig config = RaftHostConfig.defaults("n1", TestPorts.freeAddress(), dir.resolve("raft"))
                .withSnapshotEveryEntries(snapshotEvery).withLogSegmentBytes(4L << 20).withJournalEntryBytes(journalFrom());
        host = RaftHost.start(config, on);
        host.ensureVolumeGroup(LAYOUT, List.of(new Peer("n1", config.raftAddress(), 1)));
        return host;
    }

    VolumeReplica primary() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            var replica = host.replica(LAYOUT.volumeId());
            if (replica.isPresent() && replica.get().isPrimary()) {
                return replica.get();
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no primary within 30 s");
    }

    @AfterEach
    void stop() {
        if (host != null) {
            host.close();
        }
    }

    static byte[] pattern(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (seed * 31 + i * 7);
        }
        return b;
    }

    static byte[] bytes(ByteBuffer buf) {
        byte[] b = new byte[buf.remaining()];
        buf.duplicate().get(b);
        return b;
    }

    @Test
    void writesReadBackAlignedAndUnaligned() throws Exception {
        start(1000);
        VolumeReplica volume = primary();
        byte[] aligned = pattern(2 * BS, 1);
        volume.write(0, BS, ByteBuffer.wrap(aligned)).join();
        byte[] odd = pattern(5000, 2);
        volume.write(0, 3 * BS + 100, ByteBuffer.wrap(odd)).join();

        assertArrayEquals(aligned, bytes(volume.read(BS, 2 * BS).join()));
        assertArrayEquals(odd, bytes(volume.read(3 * BS + 100, 5000).join()));
        // The bytes around the unaligned write are untouched zeros (read-modify-write kept them).
        assertArrayEquals(new byte[100], bytes(volume.read(3 * BS, 100).join()));
        assertArrayEquals(new byte[BS], bytes(volume.read(10 * BS, BS).join()), "never-written blocks read as zeros");
    }

    /**
     * A write that waits for nothing takes exactly one log entry: no commit-index (metadata) entry
     * follows it. Regression: with Ratis' default every commit appended one more entry, replicated
     * and fsynced like a write (docs/benchmarks.md, fourth round).
     */
    @Test
    void aLoneWriteTakesOneLogEntry() throws Exception {
        start(1000);
        VolumeReplica volume = primary();
        volume.write(0, 0, ByteBuffer.wrap(pattern(BS, 9))).join(); // past the leader's first entries
        long before = volume.appliedIndex();
        for (int i = 0; i < 20; i++) {
            volume.write(0, (long) i * BS, ByteBuffer.wrap(pattern(BS, i))).join();
        }
        Thread.sleep(2_000); // let whatever the leader appends after the last commit be applied too
        assertEquals(20, volume.appliedIndex() - before, "log entries for 20 writes, one after the other");
        assertArrayEquals(pattern(BS, 19), bytes(volume.read(19L * BS, BS).join()));
    }

    /**
     * Many writes in flight at once are gathered into shared entries (WriteBatcher): partial writes
     * into one block merge with each other in arrival order, and every acknowledged write reads back.
     */
    @Test
    void concurrentWritesGatheredIntoEntriesAllReadBack() throws Exception {
        start(1000);
        VolumeReplica volume = primary();
        long before = volume.appliedIndex();
        List<java.util.concurrent.CompletableFuture<Void>> writes = new java.util.ArrayList<>();
        byte[] expected = new byte[16 * BS];
        for (int i = 0; i < 16; i++) {
            byte[] block = pattern(BS, 100 + i);
            System.arraycopy(block, 0, expected, i * BS, BS);
            writes.add(volume.write(0, (long) i * BS, ByteBuffer.wrap(block)));
        }
        // 512-byte pieces of block 20, each into its own sector: all must survive the merges.
        byte[] block20 = new byte[BS];
        for (int s = 0; s < BS / 512; s++) {
            byte[] sector = pattern(512, 200 + s);
            System.arraycopy(sector, 0, block20, s * 512, 512);
            writes.add(volume.write(0, 20L * BS + s * 512, ByteBuffer.wrap(sector)));
        }
        java.util.concurrent.CompletableFuture.allOf(writes.toArray(java.util.concurrent.CompletableFuture[]::new))
                .get(30, TimeUnit.SECONDS);
        assertArrayEquals(expected, bytes(volume.read(0, 16 * BS).join()));
        assertArrayEquals(block20, bytes(volume.read(20L * BS, BS).join()));
        long entries = volume.appliedIndex() - before;
        assertTrue(entries < writes.size(), writes.size() + " writes took " + entries + " entries: none were gathered");
    }

    /**
     * Reads and writes many at a time on several threads keep completing. Regression: a read
     * confirmation completes on Ratis' apply thread under its read queue's lock; starting the next
     * one from there deadlocked the volume (found by bench/run, 4k randrw QD32).
     */
    @Test
    void manyConcurrentReadsAndWritesKeepCompleting() throws Exception {
        start(1000);
        VolumeReplica volume = primary();
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<?>> workers = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int seed = t;
                workers.add(threads.submit(() -> {
                    for (int round = 0; round < 30; round++) {
                        List<java.util.concurrent.CompletableFuture<?>> ops = new java.util.ArrayList<>();
                        for (int i = 0; i < 16; i++) {
                            long at = (long) ((seed * 16 + i) % 64) * BS;
                            ops.add(i % 2 == 0 ? volume.write(0, at, ByteBuffer.wrap(pattern(BS, round))) : volume.read(at, BS));
                        }
                        java.util.concurrent.CompletableFuture.allOf(ops.toArray(java.util.concurrent.CompletableFuture[]::new))
                                .get(20, TimeUnit.SECONDS);
                    }
                    return null;
                }));
            }
            for (var w : workers) {
                w.get(60, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
        assertArrayEquals(pattern(BS, 29), bytes(volume.read(0, BS).join()), "the last round's write is read back");
    }

    /** The later of two overlapping writes in one entry wins, as it would in two entries. */
    @Test
    void overlappingWritesInOneEntryApplyInArrivalOrder() throws Exception {
        start(1000);
        VolumeReplica volume = primary();
        List<java.util.concurrent.CompletableFuture<Void>> writes = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
            writes.add(volume.write(0, 0, ByteBuffer.wrap(pattern(BS, i))));
            writes.add(volume.write(0, BS + 100, ByteBuffer.wrap(pattern(300, i))));
        }
        java.util.concurrent.CompletableFuture.allOf(writes.toArray(java.util.concurrent.CompletableFuture[]::new))
                .get(30, TimeUnit.SECONDS);
        assertArrayEquals(pattern(BS, 9), bytes(volume.read(0, BS).join()));
        assertArrayEquals(pattern(300, 9), bytes(volume.read(BS + 100, 300).join()));
        assertArrayEquals(new byte[100], bytes(volume.read(BS, 100).join()));
    }

    @Test
    void zeroRangeAndTrimClearPartialAndWholeBlocks() throws Exception {
        start(1000);
        VolumeReplica volume = primary();
        byte[] data = pattern(6 * BS, 3);
        volume.write(0, 0, ByteBuffer.wrap(data)).join();
        volume.zero(0, BS + 10, 3 * BS, false).join();
        byte[] expected = data.clone();
        Arrays.fill(expected, BS + 10, 4 * BS + 10, (byte) 0);
        assertArrayEquals(expected, bytes(volume.read(0, 6 * BS).join()));
        volume.zero(0, 0, 6 * BS, true).join();
        assertArrayEquals(new byte[6 * BS], bytes(volume.read(0, 6 * BS).join()));
    }

    @Test
    void outOfRangeIsRefusedAndChangesNothing() throws Exception {
        start(1000);
        VolumeReplica volume = primary();
        var e = assertThrowsCompletion(() -> volume.write(0, LAYOUT.sizeBytes() - 10, ByteBuffer.wrap(new byte[20])).join());
        assertEquals(VolumeIOException.Kind.OUT_OF_RANGE, e.kind());
        assertArrayEquals(new byte[10], bytes(volume.read(LAYOUT.sizeBytes() - 10, 10).join()));
        var r = assertThrowsCompletion(() -> volume.read(LAYOUT.sizeBytes(), 1).join());
        assertEquals(VolumeIOException.Kind.OUT_OF_RANGE, r.kind());
    }

    /** DESIGN.md: a write from an old attachment epoch is refused, so a fenced host cannot corrupt the volume. */
    @Test
    void writesWithAStaleEpochAreFencedAndChangeNothing() throws Exception {
        start(1000);
        VolumeReplica volume = primary();
        byte[] first = pattern(BS, 4);
        volume.write(1, 0, ByteBuffer.wrap(first)).join();
        assertEquals(5, volume.setEpoch(5, "host-b").join());
        var e = assertThrowsCompletion(() -> volume.write(4, 0, ByteBuffer.wrap(pattern(BS, 9))).join());
        assertEquals(VolumeIOException.Kind.FENCED, e.kind());
        assertTrue(e.getMessage().contains("host-b"), e.getMessage());
        assertArrayEquals(first, bytes(volume.read(0, BS).join()));
        var z = assertThrowsCompletion(() -> volume.zero(4, 0, BS, true).join());
        assertEquals(VolumeIOException.Kind.FENCED, z.kind());
        volume.write(5, 0, ByteBuffer.wrap(pattern(BS, 6))).join();
        assertArrayEquals(pattern(BS, 6), bytes(volume.read(0, BS).join()));
        // An older SetEpoch never lowers the epoch.
        assertEquals(5, volume.setEpoch(3, "host-a").join());
    }

    /**
     * Issue 2: after a snapshot the log behind it is purged, and a restart resumes from the snapshot
     * plus the log tail, not from index 0. The store "crashes" (loses what was not synced) too.
     */
    @Test
    void restartResumesFromSnapshotAndLogTailAfterPurge() throws Exception {
        start(40);
        VolumeReplica volume = primary();
        // 4 MiB segments: 16 writes of 256 KiB close a segment, so the purge has something to drop.
        for (int i = 0; i < 150; i++) {
            byte[] big = pattern(64 * BS, i);
            volume.write(0, 0, ByteBuffer.wrap(big)).join();
        }
        for (int i = 0; i < 150; i++) {
            volume.write(0, (long) (i % 64) * BS, ByteBuffer.wrap(pattern(BS, i))).join();
        }
        Path smDir = stateMachineDir();
        long snapshots;
        try (Stream<Path> files = Files.list(smDir)) {
            snapshots = files.filter(p -> p.getFileName().toString().startsWith("snapshot.") && !p.toString().endsWith(".md5")).count();
        }
        assertTrue(snapshots >= 1, "a snapshot file exists in " + smDir);
        host.close();
        host = null;
        store.crash();
        long storeIndexAfterCrash = store.appliedIndex(LAYOUT.volumeId()).index();
        assertTrue(storeIndexAfterCrash > 0, "the store kept what the snapshot synced");
        assertFalse(hasLogSegmentStartingAtZero(), "the log behind the snapshot was purged");

        start(40);
        VolumeReplica again = primary();
        for (int i = 86; i < 150; i++) {
            assertArrayEquals(pattern(BS, i), bytes(again.read((long) (i % 64) * BS, BS).join()), "block " + (i % 64));
        }
    }

    /**
     * The store persists on its own schedule (RocksDB flushes memtables when they fill), so after a
     * kill -9 it may hold more than the last Ratis snapshot: Ratis then replays its log from the
     * snapshot (here: from the start), and the state machine must skip what the store already
     * holds instead of failing on it or rolling blocks back. Found by jepsen/ (docs/jepsen.md).
     */
    @Test
    void restartWithTheStoreAheadOfTheSnapshotSkipsWhatItHolds() throws Exception {
        start(1_000_000);
        VolumeReplica volume = primary();
        for (int i = 0; i < 20; i++) {
            volume.write(0, (long) (i % 8) * BS, ByteBuffer.wrap(pattern(BS, i))).get(30, TimeUnit.SECONDS);
        }
        store.sync();
        for (int i = 20; i < 30; i++) {
            volume.write(0, (long) (i % 8) * BS, ByteBuffer.wrap(pattern(BS, i))).get(30, TimeUnit.SECONDS);
        }
        host.close();
        host = null;
        // A graceful stop snapshots (Ratis' trigger-when-stop); kill -9 does not: drop that snapshot.
        try (Stream<Path> files = Files.list(stateMachineDir())) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith("snapshot.")).toList()) {
                Files.delete(f);
            }
        }
        store.crash();
        long kept = store.appliedIndex(LAYOUT.volumeId()).index();
        assertTrue(kept >= 20, "the store kept what it synced, index " + kept);

        start(1_000_000);
        VolumeReplica again = primary();
        again.write(0, 9L * BS, ByteBuffer.wrap(pattern(BS, 99))).get(30, TimeUnit.SECONDS);
        for (int i = 22; i < 30; i++) {
            assertArrayEquals(pattern(BS, i), bytes(again.read((long) (i % 8) * BS, BS).get(30, TimeUnit.SECONDS)),
                    "block " + (i % 8) + " holds its last write");
        }
        assertArrayEquals(pattern(BS, 99), bytes(again.read(9L * BS, BS).get(30, TimeUnit.SECONDS)));
        assertTrue(again.appliedIndex() > kept, "the log tail was applied after the skipped part");
    }

    private Path stateMachineDir() throws IOException {
        try (Stream<Path> groups = Files.list(dir.resolve("raft"))) {
            Path group = groups.filter(Files::isDirectory).findFirst().orElseThrow();
            return group.resolve("sm");
        }
    }

    /** The group's Raft log segments lie here, beside the state machine's directory. */
    Path raftLogDir() throws IOException {
        return stateMachineDir().resolveSibling("current");
    }

    private boolean hasLogSegmentStartingAtZero() throws IOException {
        try (Stream<Path> files = Files.list(raftLogDir())) {
            return files.anyMatch(p -> p.getFileName().toString().startsWith("log_0-") || p.getFileName().toString().equals("log_inprogress_0"));
        }
    }

    private static VolumeIOException assertThrowsCompletion(Runnable r) {
        try {
            r.run();
        } catch (CompletionException e) {
            return assertInstanceOf(VolumeIOException.class, e.getCause());
        }
        throw new AssertionError("expected a failure");
    }
}
