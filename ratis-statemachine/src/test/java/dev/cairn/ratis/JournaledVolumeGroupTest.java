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

    /**
     * A split entry leaves a header of about 60 bytes in the Raft log, but Ratis 3.3 counts the
     * entry's data toward the open log segment's size, so a segment closes after about
     * {@code log-segment-size} of writes and the next one starts. Each new segment must not cost a
     * preallocation of megabytes of zeros (Ratis' default, 4 MiB: a 1 MiB write then cost the log
     * about 1 MiB too). Counted with the process's write calls ({@code wchar} in /proc/self/io):
     * the store here is in memory, so these are the log's bytes.
     */
    @Test
    void splitEntriesCostTheLogFewBytes() throws Exception {
        start(1_000_000);
        VolumeReplica volume = primary();
        byte[] data = pattern(16 * BS, 5);
        volume.write(0, 0, ByteBuffer.wrap(data)).join();
        long before = writeCallBytes();
        int entries = 256; // 16 MiB: four segments' worth at 4 MiB
        for (int i = 0; i < entries; i++) {
            volume.write(0, (long) (i % 4) * data.length, ByteBuffer.wrap(data)).join();
        }
        long written = writeCallBytes() - before;
        long closedSegments;
        try (Stream<Path> files = Files.list(raftLogDir())) {
            closedSegments = files.filter(f -> f.getFileName().toString().matches("log_\\d+-\\d+")).count();
        }
        assertTrue(closedSegments >= 3, "Ratis closes segments by the entries' data (" + closedSegments
                + " closed): if it no longer does, log-segment-size's default needs a new look"
                + " (docs/adr/0003-header-in-log.md, Space)");
        assertTrue(written < (long) entries * data.length / 16,
                "the log was written " + written + " bytes for " + entries + " entries of " + data.length + " bytes");
    }

    /** Bytes this process has passed to write calls (files, pipes and sockets). */
    private static long writeCallBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/io"))) {
            if (line.startsWith("wchar:")) {
                return Long.parseLong(line.substring("wchar:".length()).trim());
            }
        }
        throw new IOException("/proc/self/io has no wchar line");
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
