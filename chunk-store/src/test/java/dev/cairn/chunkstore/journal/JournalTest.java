package dev.cairn.chunkstore.journal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.chunkstore.ChunkStoreException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalTest {
    @TempDir
    Path tmp;

    private static byte[] bytes(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] read(Journal j, Journal.Location at) {
        ByteBuffer dst = ByteBuffer.allocate(at.length() + 7);
        dst.position(3);
        j.read(at, dst);
        assertEquals(3 + at.length(), dst.position(), "read advances dst by the record's length");
        byte[] out = new byte[at.length()];
        dst.get(3, out);
        return out;
    }

    private static List<Path> segments(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".journal")).sorted().toList();
        }
    }

    @Test
    void recordsSurviveReopenAcrossSegmentsAndAreFoundOnlyWithTheirTerm() {
        Path dir = tmp.resolve("j");
        TreeMap<Long, byte[]> model = new TreeMap<>();
        Random r = new Random(1);
        try (Journal j = Journal.open(dir, 10_000)) {
            long seq = 0;
            for (int i = 0; i < 60; i++) {
                seq += 1 + r.nextInt(3); // Raft indices of data entries have gaps
                byte[] data = bytes(seq, r.nextInt(3000));
                j.append(seq, 7, ByteBuffer.wrap(data));
                model.put(seq, data);
            }
            j.append(seq + 1, 7, ByteBuffer.wrap(bytes(99, 25_000))); // larger than a segment: one of its own
            model.put(seq + 1, bytes(99, 25_000));
            j.sync();
            assertTrue(j.segmentCount() > 5, "records spread over segments: " + j.segmentCount());
        }
        try (Journal j = Journal.open(dir, 10_000)) {
            for (var e : model.entrySet()) {
                Journal.Location at = j.find(e.getKey(), 7);
                assertNotNull(at, "record " + e.getKey());
                assertArrayEquals(e.getValue(), read(j, at), "record " + e.getKey());
                assertNull(j.find(e.getKey(), 6), "a record is found only with its own term");
            }
            assertNull(j.find(model.lastKey() + 1, 7));
            assertEquals(model.lastKey(), j.lastSeq());
        }
    }

    /**
     * Records at or after an appended number are dead (the log dropped them, or a crash left the
     * journal ahead of it): the append drops them first, whatever their term, and durably.
     */
    @Test
    void anAppendAtOrBelowTheLastNumberDropsTheDeadRecordsFirst() {
        Path dir = tmp.resolve("j");
        try (Journal j = Journal.open(dir, 1000)) {
            for (long s = 1; s <= 9; s++) {
                j.append(s, 2, ByteBuffer.wrap(bytes(s, 300))); // three records per segment
            }
            j.append(5, 1, ByteBuffer.wrap(bytes(50, 10))); // an older term may replace: entries keep their terms
            assertEquals(5, j.lastSeq());
            assertNull(j.find(5, 2));
            assertNull(j.find(8, 2));
            assertArrayEquals(bytes(50, 10), read(j, j.find(5, 1)));
            j.append(5, 3, ByteBuffer.wrap(bytes(51, 10))); // the same number again
            assertArrayEquals(bytes(51, 10), read(j, j.find(5, 3)));
            assertNull(j.find(5, 1));
            j.append(6, 3, ByteBuffer.wrap(bytes(6, 10)));
            j.sync();
        }
        try (Journal j = Journal.open(dir, 1000)) {
            assertEquals(6, j.lastSeq());
            for (long s = 1; s <= 4; s++) {
                assertArrayEquals(bytes(s, 300), read(j, j.find(s, 2)), "record " + s);
            }
            assertArrayEquals(bytes(51, 10), read(j, j.find(5, 3)));
            assertArrayEquals(bytes(6, 10), read(j, j.find(6, 3)));
            assertNull(j.find(7, 2));
        }
    }

    @Test
    void deletingOneSegmentKeepsTheOthersAndTheDeletedOnesReadsSayGone() {
        Path dir = tmp.resolve("j");
        try (Journal j = Journal.open(dir, 1000)) {
            for (long s = 1; s <= 10; s++) {
                j.append(s, 1, ByteBuffer.wrap(bytes(s, 300)));
            }
            j.sync();
            List<Journal.Segment> segments = j.segments();
            assertEquals(4, segments.size());
            assertEquals(new Journal.Segment(2, 4, 6, 3 * (Journal.HEADER_BYTES + 300), false), segments.get(1));
            assertTrue(segments.get(3).open());
            Journal.Location old = j.find(5, 1);
            j.deleteSegment(segments.get(1));
            assertThrows(IllegalArgumentException.class, () -> j.deleteSegment(segments.get(3)), "the open segment stays");
            assertThrows(SegmentGoneException.class, () -> j.readRaw(old.segment(), old.offset(), ByteBuffer.allocate(10)));
            assertNull(j.find(5, 1));
            assertArrayEquals(bytes(3, 300), read(j, j.find(3, 1)));
            assertArrayEquals(bytes(7, 300), read(j, j.find(7, 1)));
        }
        try (Journal j = Journal.open(dir, 1000)) {
            assertEquals(3, j.segmentCount());
            assertNull(j.find(4, 1));
            assertArrayEquals(bytes(7, 300), read(j, j.find(7, 1)));
            j.append(11, 1, ByteBuffer.wrap(bytes(11, 300)));
            assertArrayEquals(bytes(11, 300), read(j, j.find(11, 1)));
        }
    }

    /** A crash can leave any prefix of the unsynced last record on disk: each is cut off on open. */
    @Test
    void aTornLastRecordIsCutOffAtEveryLengthAndTheRestStays() throws IOException {
        Path base = tmp.resolve("base");
        long lastStart;
        try (Journal j = Journal.open(base, 1 << 20)) {
            j.append(1, 1, ByteBuffer.wrap(bytes(1, 100)));
            j.append(2, 1, ByteBuffer.wrap(bytes(2, 200)));
            lastStart = j.find(2, 1).offset() + 200;
            j.append(3, 1, ByteBuffer.wrap(bytes(3, 300)));
            j.sync();
        }
        Path segment = segments(base).get(0);
        long full = Files.size(segment);
        assertEquals(lastStart + Journal.HEADER_BYTES + 300, full);
        for (long cut = lastStart; cut < full; cut++) {
            Path dir = tmp.resolve("cut" + cut);
            Files.createDirectories(dir);
            Path copy = dir.resolve(segment.getFileName());
            Files.copy(segment, copy);
            try (RandomAccessFile f = new RandomAccessFile(copy.toFile(), "rw")) {
                f.setLength(cut);
            }
            try (Journal j = Journal.open(dir, 1 << 20)) {
                assertEquals(2, j.lastSeq(), "cut at " + cut);
                assertNull(j.find(3, 1), "cut at " + cut);
                assertArrayEquals(bytes(2, 200), read(j, j.find(2, 1)), "cut at " + cut);
                j.append(3, 2, ByteBuffer.wrap(bytes(33, 50))); // the index can be written again
                j.sync();
            }
            assertEquals(lastStart + Journal.HEADER_BYTES + 50, Files.size(copy), "cut at " + cut);
            try (Journal j = Journal.open(dir, 1 << 20)) {
                assertArrayEquals(bytes(33, 50), read(j, j.find(3, 2)), "cut at " + cut);
            }
        }
    }

    @Test
    void aLastRecordWhoseDataFailsItsChecksumIsCutOff() throws IOException {
        Path dir = tmp.resolve("j");
        try (Journal j = Journal.open(dir, 1 << 20)) {
            j.append(1, 1, ByteBuffer.wrap(bytes(1, 100)));
            j.append(2, 1, ByteBuffer.wrap(bytes(2, 100)));
            j.sync();
        }
        flipByte(segments(dir).get(0), Files.size(segments(dir).get(0)) - 10);
        try (Journal j = Journal.open(dir, 1 << 20)) {
            assertEquals(1, j.lastSeq());
            assertNull(j.find(2, 1));
        }
    }

    @Test
    void damageBeforeTheLastSegmentFailsTheOpenOrTheReadNeverReturnsBadBytes() throws IOException {
        Path dir = tmp.resolve("j");
        try (Journal j = Journal.open(dir, 1000)) {
            for (long s = 1; s <= 6; s++) {
                j.append(s, 1, ByteBuffer.wrap(bytes(s, 600))); // one record per segment
            }
            j.sync();
        }
        List<Path> segs = segments(dir);
        assertEquals(6, segs.size());
        // Data of a sealed segment: the open does not read it, the read catches it.
        flipByte(segs.get(1), Journal.HEADER_BYTES + 5);
        try (Journal j = Journal.open(dir, 1000)) {
            ChunkStoreException e = assertThrows(ChunkStoreException.class, () -> read(j, j.find(2, 1)));
            assertTrue(e.getMessage().contains("fails its checksum"), e.getMessage());
            assertArrayEquals(bytes(3, 600), read(j, j.find(3, 1)), "other records still read");
        }
        // The header of a sealed segment: no torn write can do that, so the open refuses.
        flipByte(segs.get(2), 6);
        ChunkStoreException e = assertThrows(ChunkStoreException.class, () -> Journal.open(dir, 1000));
        assertTrue(e.getMessage().contains(segs.get(2).getFileName().toString()) && e.getMessage().contains("rebuilt"),
                e.getMessage());
    }

    @Test
    void aWholeRecordOutOfOrderIsCorruptionNotATornWrite() throws IOException {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        try (Journal j = Journal.open(a, 1 << 20)) {
            j.append(5, 1, ByteBuffer.wrap(bytes(5, 40)));
            j.sync();
        }
        try (Journal j = Journal.open(b, 1 << 20)) {
            j.append(3, 1, ByteBuffer.wrap(bytes(3, 40)));
            j.sync();
        }
        Files.write(segments(a).get(0), Files.readAllBytes(segments(b).get(0)), java.nio.file.StandardOpenOption.APPEND);
        ChunkStoreException e = assertThrows(ChunkStoreException.class, () -> Journal.open(a, 1 << 20));
        assertTrue(e.getMessage().contains("sequence number 3 after 5"), e.getMessage());
    }

    /** A follower drops uncommitted entries when a new leader overwrites them with a newer term. */
    @Test
    void truncateThenReappendWithANewerTermSurvivesReopen() throws IOException {
        Path dir = tmp.resolve("j");
        try (Journal j = Journal.open(dir, 700)) {
            for (long s = 1; s <= 8; s++) {
                j.append(s, 1, ByteBuffer.wrap(bytes(s, 300)));
            }
            j.sync();
            int before = j.segmentCount();
            j.truncateAfter(3);
            assertTrue(j.segmentCount() < before, "segments after the cut are deleted");
            assertEquals(3, j.lastSeq());
            assertNull(j.find(4, 1));
            j.append(4, 2, ByteBuffer.wrap(bytes(44, 100)));
            j.append(5, 2, ByteBuffer.wrap(bytes(55, 100)));
            j.sync();
            j.truncateAfter(10); // nothing after 10: no change
            assertEquals(5, j.lastSeq());
        }
        try (Journal j = Journal.open(dir, 700)) {
            for (long s = 1; s <= 3; s++) {
                assertArrayEquals(bytes(s, 300), read(j, j.find(s, 1)));
            }
            assertNull(j.find(4, 1), "the dropped record of the old term stays dropped");
            assertArrayEquals(bytes(44, 100), read(j, j.find(4, 2)));
            assertArrayEquals(bytes(55, 100), read(j, j.find(5, 2)));
            assertNull(j.find(6, 1));
            assertEquals(5, j.lastSeq());
        }
    }

    /** Re-appending as many bytes as were dropped must not let a dropped record reappear on reopen. */
    @Test
    void truncatedRecordsStayDroppedWhenTheNewOnesEndOnAnOldBoundary() {
        Path dir = tmp.resolve("j");
        try (Journal j = Journal.open(dir, 1 << 20)) {
            for (long s = 1; s <= 5; s++) {
                j.append(s, 1, ByteBuffer.wrap(bytes(s, 300)));
            }
            j.sync();
            j.truncateAfter(3);
            j.append(4, 2, ByteBuffer.wrap(bytes(44, 300)));
            j.sync();
        }
        try (Journal j = Journal.open(dir, 1 << 20)) {
            assertEquals(4, j.lastSeq());
            assertNull(j.find(5, 1), "record 5 of term 1 was dropped");
            assertArrayEquals(bytes(44, 300), read(j, j.find(4, 2)));
        }
    }

    @Test
    void aStrayFileInTheDirectoryIsReportedNotIgnored() throws IOException {
        Path dir = tmp.resolve("j");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("notes.journal"), "x");
        ChunkStoreException e = assertThrows(ChunkStoreException.class, () -> Journal.open(dir, 1 << 20));
        assertTrue(e.getMessage().contains("notes.journal"), e.getMessage());
    }

    private static void flipByte(Path file, long at) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x40);
        }
    }
}
