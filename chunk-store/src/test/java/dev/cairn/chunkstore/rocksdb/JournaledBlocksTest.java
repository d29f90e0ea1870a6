package dev.cairn.chunkstore.rocksdb;

import static dev.cairn.chunkstore.rocksdb.RocksChunkStoreTest.BS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.chunkstore.AppliedIndex;
import dev.cairn.chunkstore.ChecksumMismatchException;
import dev.cairn.chunkstore.ChunkStore.JournalCleaning;
import dev.cairn.chunkstore.ChunkStoreException;
import dev.cairn.chunkstore.VolumeBatch;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Blocks whose bytes lie in the volume's journal (docs/adr/0003-header-in-log.md). */
class JournaledBlocksTest {
    private static final long VOL = 3;
    /** 64 KiB segments: a record of four blocks plus its header fits three times. */
    private static final long SEGMENT = 64 << 10;

    @TempDir
    Path dir;
    private RocksChunkStore store;
    private long term = 1;

    private RocksChunkStore open() {
        store = RocksChunkStore.open(dir.resolve("db"), RocksChunkStoreOptions.defaults().withJournalSegmentBytes(SEGMENT));
        return store;
    }

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
            assertEquals(0, store.openHandles());
        }
    }

    private static byte[] block(long seed) {
        byte[] b = new byte[BS];
        for (int i = 0; i < BS; i++) {
            b[i] = (byte) (seed * 7 + i * 13 + 1);
        }
        return b;
    }

    /** Appends record {@code seq}: a 5-byte prefix (as a command's framing would be), then the blocks. */
    private void append(long seq, byte[]... blocks) {
        ByteBuffer record = ByteBuffer.allocate(5 + blocks.length * BS);
        record.put(new byte[] {1, 2, 3, 4, 5});
        for (byte[] b : blocks) {
            record.put(b);
        }
        store.journalAppend(VOL, seq, term, record.flip());
    }

    /** Points blocks first.. at record seq's blocks. */
    private void point(long seq, long firstBlock, int count) {
        VolumeBatch batch = new VolumeBatch(VOL, new AppliedIndex(term, seq));
        for (int i = 0; i < count; i++) {
            batch.putFromJournal(firstBlock + i, seq, term, 5 + i * BS);
        }
        store.apply(batch);
    }

    private byte[] read(long first, int count) {
        ByteBuffer dst = ByteBuffer.allocate(count * BS);
        store.read(VOL, first, count, dst);
        assertEquals(count * BS, dst.position());
        return dst.array();
    }

    private byte[] expected(Map<Long, byte[]> model, long first, int count) {
        ByteBuffer b = ByteBuffer.allocate(count * BS);
        for (int i = 0; i < count; i++) {
            byte[] v = model.get(first + i);
            b.put(v == null ? new byte[BS] : v);
        }
        return b.array();
    }

    @Test
    void pointedBlocksReadBackBetweenInlineOnesAndSurviveAReopen() {
        open();
        append(1, block(1), new byte[BS], block(3), block(4));
        point(1, 10, 4);
        store.apply(new VolumeBatch(VOL, new AppliedIndex(term, 2)).put(14, ByteBuffer.wrap(block(99))));
        append(3, block(5), block(6));
        VolumeBatch batch = new VolumeBatch(VOL, new AppliedIndex(term, 3));
        batch.putFromJournal(16, 3, term, 5 + BS).putFromJournal(15, 3, term, 5); // out of order: not one run
        store.apply(batch);
        Map<Long, byte[]> model = new HashMap<>(Map.of(10L, block(1), 12L, block(3), 13L, block(4), 14L, block(99),
                15L, block(5), 16L, block(6)));
        for (int round = 0; round < 2; round++) {
            for (long b = 8; b < 18; b++) {
                assertArrayEquals(expected(model, b, 1), read(b, 1), "block " + b);
            }
            assertArrayEquals(expected(model, 8, 10), read(8, 10), "range across pointers, inline and absent blocks");
            assertArrayEquals(expected(model, 12, 2), read(12, 2));
            store.close();
            open();
        }
        assertEquals(new AppliedIndex(term, 3), store.appliedIndex(VOL));
    }

    /** A memtable flush makes pointers durable: RocksDB's flush must sync the journal first. */
    @Test
    void aMemtableFlushSyncsTheJournalBeforeItWritesThePointers() throws Exception {
        open();
        append(1, block(1));
        point(1, 0, 1);
        append(2, block(2));
        var journal = store.journals.find(VOL);
        assertEquals(-1, journal.syncedSeq(), "nothing synced yet");
        try (org.rocksdb.FlushOptions wait = new org.rocksdb.FlushOptions().setWaitForFlush(true)) {
            store.db().flush(wait); // RocksDB's own flush, as when a memtable fills
        }
        assertEquals(2, journal.syncedSeq());
    }

    @Test
    void anAllZeroBlockFromTheJournalIsStoredAsAbsent() throws Exception {
        open();
        store.apply(new VolumeBatch(VOL, new AppliedIndex(term, 1)).put(1, ByteBuffer.wrap(block(1))));
        append(2, new byte[BS]);
        point(2, 1, 1);
        assertNull(store.db().get(Keys.block(VOL, 1)), "the zero block left no key");
        assertArrayEquals(new byte[BS], read(1, 1));
    }

    @Test
    void aFlippedByteInTheJournalIsAChecksumErrorOnEveryReadPathAndInExport() throws IOException {
        open();
        append(1, block(1), block(2), block(3));
        point(1, 0, 3);
        store.journalSync(VOL);
        Path segment;
        try (Stream<Path> files = Files.list(dir.resolve("db-journal").resolve(Long.toString(VOL)))) {
            segment = files.findFirst().orElseThrow();
        }
        try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
            long at = 28 + 5 + BS + 100; // record header, prefix, block 0, into block 1
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x40);
        }
        assertArrayEquals(block(1), read(0, 1), "block 0 is intact");
        assertThrows(ChecksumMismatchException.class, () -> read(1, 1));
        assertThrows(ChecksumMismatchException.class, () -> read(0, 3));
        assertThrows(ChunkStoreException.class, () -> store.exportVolume(VOL, dir.resolve("export.sst")));
        assertThrows(ChunkStoreException.class, () -> store.journalRead(VOL, 1, term), "the whole record fails its crc too");
    }

    @Test
    void aBatchPointingAtARecordTheJournalLacksAppliesNothing() {
        open();
        store.apply(new VolumeBatch(VOL, new AppliedIndex(term, 1)).put(0, ByteBuffer.wrap(block(1))));
        append(2, block(2));
        VolumeBatch wrongTerm = new VolumeBatch(VOL, new AppliedIndex(term, 3)).put(0, ByteBuffer.wrap(block(9)))
                .putFromJournal(1, 2, term + 1, 5);
        ChunkStoreException e = assertThrows(ChunkStoreException.class, () -> store.apply(wrongTerm));
        assertTrue(e.getMessage().contains("rebuilt"), e.getMessage());
        VolumeBatch beyond = new VolumeBatch(VOL, new AppliedIndex(term, 3)).putFromJournal(1, 2, term, 6);
        assertThrows(ChunkStoreException.class, () -> store.apply(beyond), "a block past the record's end");
        assertArrayEquals(block(1), read(0, 1));
        assertArrayEquals(new byte[BS], read(1, 1));
        assertEquals(new AppliedIndex(term, 1), store.appliedIndex(VOL));
    }

    @Test
    void anExportCarriesTheBytesSoAnotherStoreWithoutTheJournalImportsIt() {
        open();
        append(1, block(1), block(2), block(3), block(4));
        point(1, 100, 4);
        store.apply(new VolumeBatch(VOL, new AppliedIndex(term, 2)).put(101, ByteBuffer.wrap(block(7))));
        Path file = dir.resolve("export.sst");
        store.exportVolume(VOL, file);
        try (RocksChunkStore other = RocksChunkStore.open(dir.resolve("other"))) {
            assertEquals(new AppliedIndex(term, 2), other.importVolume(VOL, file));
            ByteBuffer dst = ByteBuffer.allocate(4 * BS);
            other.read(VOL, 100, 4, dst);
            assertArrayEquals(expected(Map.of(100L, block(1), 101L, block(7), 102L, block(3), 103L, block(4)), 100, 4),
                    dst.array());
            assertTrue(Files.notExists(dir.resolve("other-journal").resolve(Long.toString(VOL))), "no journal needed");
        }
    }

    @Test
    void deletingAVolumeDeletesItsJournal() {
        open();
        append(1, block(1));
        point(1, 0, 1);
        Path journal = dir.resolve("db-journal").resolve(Long.toString(VOL));
        assertTrue(Files.isDirectory(journal));
        store.deleteVolume(VOL);
        assertTrue(Files.notExists(journal));
        assertArrayEquals(new byte[BS], read(0, 1));
    }

    /**
     * Random overwrites (from the journal, inline, and zeroing) with cleaning now and then, checked
     * against a model after every step, and after a reopen: the cleaner never loses or changes a
     * block, frees space as overwrites leave segments dead, and moves the last blocks of mostly dead
     * segments.
     */
    @Test
    void cleaningInterleavedWithOverwritesKeepsEveryBlockAndFreesSpace() {
        open();
        Random rnd = new Random(42);
        Map<Long, byte[]> model = new HashMap<>();
        long seq = 0;
        long deleted = 0;
        long moved = 0;
        int blocks = 64;
        for (int step = 0; step < 600; step++) {
            int op = rnd.nextInt(10);
            seq++;
            if (op < 7) {
                int count = 1 + rnd.nextInt(4);
                long first = rnd.nextInt(blocks - count);
                byte[][] data = new byte[count][];
                for (int i = 0; i < count; i++) {
                    data[i] = block(seq * 10 + i);
                    model.put(first + i, data[i]);
                }
                append(seq, data);
                point(seq, first, count);
            } else if (op < 9) {
                long b = rnd.nextInt(blocks);
                byte[] data = block(seq * 10);
                model.put(b, data);
                store.apply(new VolumeBatch(VOL, new AppliedIndex(term, seq)).put(b, ByteBuffer.wrap(data)));
            } else {
                long b = rnd.nextInt(blocks - 2);
                model.remove(b);
                model.remove(b + 1);
                store.apply(new VolumeBatch(VOL, new AppliedIndex(term, seq)).deleteRange(b, 2));
            }
            if (step % 25 == 24) {
                JournalCleaning c = store.cleanJournal(VOL, seq - 10); // the last records stay (Raft may ask for them)
                deleted += c.segmentsDeleted();
                moved += c.blocksMoved();
            }
            if (step % 50 == 0 || step > 590) {
                assertArrayEquals(expected(model, 0, blocks), read(0, blocks), "step " + step);
            }
        }
        assertTrue(deleted > 10, "segments deleted: " + deleted);
        assertTrue(moved > 0, "blocks moved: " + moved);
        JournalCleaning last = store.cleanJournal(VOL, seq + 1);
        // Live data is at most 64 blocks (256 KiB); what stays is at most about twice that plus the open segment.
        assertTrue(last.journalBytes() <= 2 * blocks * BS + 2 * SEGMENT, "journal bytes left: " + last.journalBytes());
        store.close();
        open();
        assertArrayEquals(expected(model, 0, blocks), read(0, blocks), "after a reopen");
        for (long b = 0; b < blocks; b++) {
            assertArrayEquals(expected(model, b, 1), read(b, 1), "block " + b);
        }
    }

    @Test
    void recordsRaftMayStillAskForAreKeptEvenWhenNoBlockPointsAtThem() {
        open();
        for (long s = 1; s <= 30; s++) {
            append(s, block(s), block(s + 1), block(s + 2), block(s + 3));
            point(s, 0, 4); // each record overwrites the last: every sealed segment is dead
        }
        JournalCleaning none = store.cleanJournal(VOL, 1);
        assertEquals(0, none.segmentsDeleted());
        for (long s = 1; s <= 30; s++) {
            assertEquals(5 + 4 * BS, store.journalRead(VOL, s, term).remaining(), "record " + s);
        }
        JournalCleaning some = store.cleanJournal(VOL, 20);
        assertTrue(some.segmentsDeleted() > 0);
        assertNull(store.journalRead(VOL, 1, term), "record 1 went with its segment");
        for (long s = 20; s <= 30; s++) {
            assertEquals(5 + 4 * BS, store.journalRead(VOL, s, term).remaining(), "record " + s + " kept");
        }
        assertArrayEquals(expected(Map.of(0L, block(30), 1L, block(31), 2L, block(32), 3L, block(33)), 0, 4), read(0, 4));
    }

    /**
     * Readers of a block that the cleaner moves out of a segment and deletes the segment of, while
     * they read: every read returns the block's bytes, none fails (a read that finds its segment
     * gone looks the block up again).
     */
    @Test
    void readsRacingTheCleanerAlwaysSeeTheBlock() throws Exception {
        open();
        append(1, block(1), block(2), block(3), block(4));
        point(1, 0, 4);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> readers = new ArrayList<>();
        long[] reads = new long[2];
        for (int t = 0; t < 2; t++) {
            int id = t;
            Thread reader = new Thread(() -> {
                try {
                    while (!stop.get()) {
                        if (id == 0) {
                            assertArrayEquals(block(1), read(0, 1));
                        } else {
                            assertArrayEquals(block(1), java.util.Arrays.copyOf(read(0, 2), BS));
                        }
                        reads[id]++;
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            reader.start();
            readers.add(reader);
        }
        long seq = 1;
        int deleted = 0;
        for (int round = 0; round < 40; round++) {
            for (int i = 0; i < 6; i++) {
                seq++;
                append(seq, block(seq), block(seq + 1), block(seq + 2));
                point(seq, 1, 3); // block 0 stays in the first record of its round
            }
            seq++;
            append(seq, block(1));
            point(seq, 0, 1); // block 0 again, with the same bytes, in a newer segment
            deleted += store.cleanJournal(VOL, seq).segmentsDeleted();
        }
        stop.set(true);
        for (Thread r : readers) {
            r.join();
        }
        if (failure.get() != null) {
            throw new AssertionError("a reader failed", failure.get());
        }
        assertTrue(reads[0] > 0 && reads[1] > 0);
        assertTrue(store.cleanJournal(VOL, seq).journalBytes() < 4 * SEGMENT, "space was freed as it went");
        assertTrue(deleted > 20, "segments deleted under the readers: " + deleted);
    }
}
