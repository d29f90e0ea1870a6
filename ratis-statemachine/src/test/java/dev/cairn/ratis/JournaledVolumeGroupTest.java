package dev.cairn.ratis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.chunkstore.rocksdb.RocksChunkStore;
import dev.cairn.chunkstore.rocksdb.RocksChunkStoreOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every {@link VolumeGroupTest} again with every write entry split (docs/adr/0003-header-in-log.md):
 * the header in the log, the data in the journal, applied as pointers (or, for partial blocks, from
 * the record's bytes), replayed after restarts and crashes.
 */
class JournaledVolumeGroupTest extends VolumeGroupTest {
    @Override
    int journalFrom() {
        return 1;
    }

    @Test
    void writeEntriesLeaveTheirDataInTheJournalAndOtherCommandsDoNot() throws Exception {
        start(1000);
        VolumeReplica volume = primary();
        volume.setEpoch(2, "host-a").join();
        assertTrue(store.journalSeqs(LAYOUT.volumeId()).isEmpty(), "an epoch change stays in the log");
        volume.write(2, 0, ByteBuffer.wrap(pattern(3 * BS, 1))).join();
        volume.write(2, 5L * BS + 7, ByteBuffer.wrap(pattern(2 * BS, 2))).join();
        assertFalse(store.journalSeqs(LAYOUT.volumeId()).isEmpty(), "the writes went through the journal");
        assertArrayEquals(pattern(3 * BS, 1), bytes(volume.read(0, 3 * BS).join()));
        assertArrayEquals(pattern(2 * BS, 2), bytes(volume.read(5L * BS + 7, 2 * BS).join()));
    }

    /**
     * Journal space is freed once Ratis no longer holds the records in its log: after a snapshot
     * whose purge removed a closed log segment (closed here by a restart, which starts a new term),
     * the next snapshot's cleaning deletes the journal segments below the log's first index. The
     * volume reads back the same before and after, and after another restart.
     */
    @Test
    void journalSegmentsGoOnceTheLogNoLongerHoldsTheirRecords() throws Exception {
        Path journal = dir.resolve("db-journal").resolve(Long.toString(LAYOUT.volumeId()));
        byte[][] expected = new byte[16][];
        try (RocksChunkStore rocks = RocksChunkStore.open(dir.resolve("db"),
                RocksChunkStoreOptions.defaults().withJournalSegmentBytes(64 << 10))) {
            start(20, rocks);
            int written = 0;
            for (; written < 60; written++) {
                write(primary(), written, expected);
            }
            long before = bytes(journal);
            host.close(); // the next term starts a new log segment, so this one can be purged
            host = null;
            start(20, rocks);
            for (; written < 160; written++) {
                write(primary(), written, expected);
            }
            long after = bytes(journal);
            assertTrue(before > 60 * BS * 2, "60 entries of 2 blocks went to the journal: " + before);
            assertTrue(Files.notExists(journal.resolve(String.format("%020d.journal", 1))), "the first segment was deleted");
            assertTrue(after < 160 * BS * 2, "less than the 160 entries' bytes remain: " + after);
            check(primary(), expected);
            host.close();
            host = null;
            start(20, rocks);
            check(primary(), expected);
        }
    }

    private static void write(VolumeReplica volume, int i, byte[][] expected) {
        int slot = i % 16;
        expected[slot] = pattern(2 * BS, i);
        volume.write(0, (long) slot * 2 * BS, ByteBuffer.wrap(expected[slot])).join();
    }

    private static void check(VolumeReplica volume, byte[][] expected) {
        for (int slot = 0; slot < 16; slot++) {
            assertArrayEquals(expected[slot], bytes(volume.read((long) slot * 2 * BS, 2 * BS).join()), "slot " + slot);
        }
    }

    private static long bytes(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
