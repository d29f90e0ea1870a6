package dev.cairn.chunkstore.journal;

import dev.cairn.chunkstore.ChunkStoreException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only journal of records in segment files, each record named by a sequence number and
 * a term (docs/adr/0003-header-in-log.md: the data of a volume's log entries, written once).
 *
 * <p>Rules:
 * <ul>
 *   <li>Sequence numbers only grow. {@link #truncateAfter} drops the records after a sequence
 *       number, from the index and from the files, so a later append may reuse those numbers; an
 *       {@link #append} at or below the last record's number does the same first (the caller only
 *       rewrites a number whose record is dead: a Raft log rewrites an index only after dropping
 *       it, and a crash can leave the journal ahead of the log, or a truncate half done).
 *   <li>A record is durable once {@link #sync} returns after its append. A segment is synced
 *       before the next one is created, so after a crash only the last segment can end in a torn
 *       record; {@link #open} cuts it off. A bad record anywhere else is corruption and fails the
 *       open, with the file and offset.
 *   <li>Every read checks the record's CRC32C and never returns bytes that fail it.
 * </ul>
 * Thread safety: appends, truncation and deletion are serialized; reads and lookups run
 * concurrently with them (a record is in the index only once its bytes are written). A deleted
 * segment's file is unlinked at once but its channel stays open until the next deletion, so a
 * read that looked its location up just before still completes; a later lookup fails with
 * {@link SegmentGoneException}, and the caller looks the location up again.
 */
public final class Journal implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Journal.class);
    /** "CRNJ". */
    static final int MAGIC = 0x43524e4a;
    /** magic, seq, term, length, data crc, header crc. */
    static final int HEADER_BYTES = 4 + 8 + 8 + 4 + 4 + 4;
    private static final String SUFFIX = ".journal";

    /** Where a record's data lies, and the CRC32C it must match. */
    public record Location(long segment, long offset, int length, int crc) {
    }

    private record Indexed(long term, Location at) {
    }

    private final Path dir;
    private final long segmentBytes;
    private final NavigableMap<Long, Indexed> index = new ConcurrentSkipListMap<>();
    private final NavigableMap<Long, FileChannel> segments = new ConcurrentSkipListMap<>();
    private final List<FileChannel> retired = new ArrayList<>();
    private long openSegment;
    private long openSize;
    private boolean dirDirty;
    /** The last sequence number appended, and the last one made durable by {@link #sync}. */
    private long appendedSeq = -1;
    private volatile long syncedSeq = -1;
    private volatile boolean closed;

    private Journal(Path dir, long segmentBytes) {
        this.dir = dir;
        this.segmentBytes = segmentBytes;
    }

    /**
     * Opens (or creates) the journal in {@code dir}, rebuilding its index from the segment files and
     * cutting a torn record off the end of the last one.
     *
     * @param segmentBytes a segment is closed once it holds this many bytes (a larger record still
     *                     fits in a segment of its own)
     * @throws ChunkStoreException if a segment other than the last holds a bad record
     */
    public static Journal open(Path dir, long segmentBytes) {
        if (segmentBytes < HEADER_BYTES) {
            throw new IllegalArgumentException("segmentBytes must be at least " + HEADER_BYTES);
        }
        Journal journal = new Journal(dir, segmentBytes);
        try {
            Files.createDirectories(dir);
            journal.recover();
        } catch (IOException e) {
            journal.close();
            throw new ChunkStoreException("cannot open journal " + dir + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            journal.close();
            throw e;
        }
        return journal;
    }

    private void recover() throws IOException {
        List<Long> ids = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                try {
                    ids.add(Long.parseLong(name.substring(0, name.length() - SUFFIX.length())));
                } catch (NumberFormatException e) {
                    throw new ChunkStoreException("journal " + dir + " holds an unexpected file " + name
                            + "; move it away and restart");
                }
            }
        }
        ids.sort(null);
        long lastSeq = Long.MIN_VALUE;
        for (int i = 0; i < ids.size(); i++) {
            long id = ids.get(i);
            boolean last = i == ids.size() - 1;
            FileChannel ch = FileChannel.open(segmentPath(id), StandardOpenOption.READ, StandardOpenOption.WRITE);
            segments.put(id, ch);
            long size = ch.size();
            long pos = 0;
            while (pos < size) {
                String bad = null;
                Record r = null;
                if (size - pos < HEADER_BYTES) {
                    bad = "a partial record header";
                } else {
                    r = readHeader(ch, pos);
                    if (r == null) {
                        bad = "a bad record header";
                    } else if (r.length > size - pos - HEADER_BYTES) {
                        bad = "a record longer than the file";
                    } else if (r.seq <= lastSeq) {
                        // A whole, valid record out of order is no torn write: never cut it off.
                        throw new ChunkStoreException("journal segment " + segmentPath(id) + " has sequence number "
                                + r.seq + " after " + lastSeq + " at offset " + pos
                                + ": the replica must be rebuilt (docs/operations.md)");
                    } else if (last && !dataMatches(ch, pos + HEADER_BYTES, r.length, r.crc)) {
                        bad = "a record whose data fails its checksum";
                    }
                }
                if (bad != null) {
                    if (!last) {
                        throw new ChunkStoreException("journal segment " + segmentPath(id) + " has " + bad
                                + " at offset " + pos + " (not the last segment, so not a torn write): the replica"
                                + " must be rebuilt (docs/operations.md)");
                    }
                    LOG.warn("journal {}: cutting off {} bytes at the end of {} ({} at offset {}): a write torn by a crash",
                            dir, size - pos, segmentPath(id).getFileName(), bad, pos);
                    ch.truncate(pos);
                    ch.force(true);
                    size = pos;
                    break;
                }
                index.put(r.seq, new Indexed(r.term, new Location(id, pos + HEADER_BYTES, r.length, r.crc)));
                lastSeq = r.seq;
                pos += HEADER_BYTES + r.length;
            }
            if (last) {
                openSegment = id;
                openSize = size;
            }
        }
        if (ids.isEmpty()) {
            startSegment(1);
        }
        appendedSeq = lastSeq();
        syncedSeq = appendedSeq;
    }

    private record Record(long seq, long term, int length, int crc) {
    }

    /** The header at {@code pos}, or null if it is not a valid one. */
    private static Record readHeader(FileChannel ch, long pos) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.BIG_ENDIAN);
        readFully(ch, h, pos);
        h.flip();
        if (h.getInt(0) != MAGIC || h.getInt(HEADER_BYTES - 4) != headerCrc(h.array())) {
            return null;
        }
        int length = h.getInt(20);
        if (length < 0) {
            return null;
        }
        return new Record(h.getLong(4), h.getLong(12), length, h.getInt(24));
    }

    /** The CRC32C of a header's bytes before its own checksum. */
    private static int headerCrc(byte[] header) {
        CRC32C crc = new CRC32C();
        crc.update(header, 0, HEADER_BYTES - 4);
        return (int) crc.getValue();
    }

    private static boolean dataMatches(FileChannel ch, long pos, int length, int expected) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(Math.min(length, 1 << 20));
        CRC32C crc = new CRC32C();
        long p = pos;
        long end = pos + length;
        while (p < end) {
            buf.clear().limit((int) Math.min(buf.capacity(), end - p));
            readFully(ch, buf, p);
            buf.flip();
            p += buf.remaining();
            crc.update(buf);
        }
        return (int) crc.getValue() == expected;
    }

    private static void readFully(FileChannel ch, ByteBuffer dst, long pos) throws IOException {
        long p = pos;
        while (dst.hasRemaining()) {
            int n = ch.read(dst, p);
            if (n < 0) {
                throw new IOException("unexpected end of file at offset " + p);
            }
            p += n;
        }
    }

    private Path segmentPath(long id) {
        return dir.resolve(String.format("%020d%s", id, SUFFIX));
    }

    private void startSegment(long id) throws IOException {
        FileChannel ch = FileChannel.open(segmentPath(id), StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        segments.put(id, ch);
        openSegment = id;
        openSize = 0;
        dirDirty = true;
    }

    /**
     * Appends a record and returns where its data lies. Durable only after {@link #sync}. If
     * records at or after {@code seq} exist they are dead (see the class rules): they are dropped
     * first, as by {@link #truncateAfter}{@code (seq - 1)}.
     */
    public synchronized Location append(long seq, long term, ByteBuffer data) {
        checkOpen();
        Map.Entry<Long, Indexed> lastEntry = index.lastEntry();
        if (lastEntry != null && seq <= lastEntry.getKey()) {
            LOG.info("journal {}: record {} (term {}) replaces records {}..{}, dropped as dead", dir, seq, term, seq,
                    lastEntry.getKey());
            truncateAfter(seq - 1);
        }
        int length = data.remaining();
        try {
            if (openSize > 0 && openSize + HEADER_BYTES + length > segmentBytes) {
                segments.get(openSegment).force(false); // only the last segment may end torn
                startSegment(openSegment + 1);
            }
            CRC32C dataCrc = new CRC32C();
            dataCrc.update(data.duplicate());
            ByteBuffer h = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.BIG_ENDIAN);
            h.putInt(MAGIC).putLong(seq).putLong(term).putInt(length).putInt((int) dataCrc.getValue());
            h.putInt(headerCrc(h.array())).flip();
            FileChannel ch = segments.get(openSegment);
            long pos = openSize;
            pos += writeFully(ch, h, pos);
            pos += writeFully(ch, data.duplicate(), pos);
            Location at = new Location(openSegment, openSize + HEADER_BYTES, length, (int) dataCrc.getValue());
            openSize = pos;
            index.put(seq, new Indexed(term, at));
            appendedSeq = seq;
            return at;
        } catch (IOException e) {
            throw new ChunkStoreException("journal " + dir + ": append of record " + seq + " failed: " + e.getMessage(), e);
        }
    }

    private static int writeFully(FileChannel ch, ByteBuffer src, long pos) throws IOException {
        int total = 0;
        while (src.hasRemaining()) {
            total += ch.write(src, pos + total);
        }
        return total;
    }

    /**
     * Makes every record appended so far durable (fdatasync, and the directory after a new
     * segment). Returns at once if nothing was appended since the last sync.
     */
    public void sync() {
        FileChannel ch;
        boolean syncDir;
        long upTo;
        synchronized (this) {
            if (closed) {
                return; // closed (or its volume deleted): nothing of it is left to make durable
            }
            upTo = appendedSeq;
            if (upTo == syncedSeq && !dirDirty) {
                return;
            }
            ch = segments.get(openSegment);
            syncDir = dirDirty;
            dirDirty = false;
        }
        try {
            ch.force(false);
            if (syncDir) {
                try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                    d.force(true);
                }
            }
        } catch (IOException e) {
            synchronized (this) {
                dirDirty |= syncDir;
            }
            throw new ChunkStoreException("journal " + dir + ": sync failed: " + e.getMessage()
                    + "; the disk may be failing or full", e);
        }
        synchronized (this) {
            syncedSeq = Math.max(syncedSeq, upTo);
        }
    }

    /** The last sequence number known durable (synced, or found on open), -1 if none. */
    public long syncedSeq() {
        return syncedSeq;
    }

    /** Where the record {@code seq} of {@code term} lies, or null if the journal has no such record. */
    public Location find(long seq, long term) {
        Indexed i = index.get(seq);
        return i != null && i.term() == term ? i.at() : null;
    }

    /** The last record's sequence number, or -1 if the journal is empty. */
    public long lastSeq() {
        Map.Entry<Long, Indexed> last = index.lastEntry();
        return last == null ? -1 : last.getKey();
    }

    /**
     * Reads a record's data into {@code dst} (which must have room for it), checking its CRC32C.
     * Advances dst's position by the record's length.
     *
     * @throws ChunkStoreException if the record's segment is gone or its data fails the check
     */
    public void read(Location at, ByteBuffer dst) {
        checkOpen();
        FileChannel ch = segments.get(at.segment());
        if (ch == null) {
            throw new SegmentGoneException("journal " + dir + ": segment " + at.segment() + " is gone");
        }
        if (dst.remaining() < at.length()) {
            throw new IllegalArgumentException("record of " + at.length() + " bytes does not fit in " + dst.remaining());
        }
        try {
            int expected = at.crc();
            int start = dst.position();
            ByteBuffer slice = dst.duplicate().limit(start + at.length());
            readFully(ch, slice, at.offset());
            CRC32C crc = new CRC32C();
            crc.update(dst.duplicate().limit(start + at.length()));
            if ((int) crc.getValue() != expected) {
                throw new ChunkStoreException(String.format("journal %s: record at segment %d offset %d fails its"
                        + " checksum (stored crc32c %08x, computed %08x): the replica must be rebuilt (docs/operations.md)",
                        dir, at.segment(), at.offset(), expected, (int) crc.getValue()));
            }
            dst.position(start + at.length());
        } catch (IOException e) {
            throw new ChunkStoreException("journal " + dir + ": read at segment " + at.segment() + " offset "
                    + at.offset() + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Reads {@code dst.remaining()} bytes at {@code offset} of a segment, unchecked: for callers
     * that keep their own checksums of parts of records (a block's pointer holds the block's).
     *
     * @throws SegmentGoneException if the segment has been deleted
     */
    public void readRaw(long segment, long offset, ByteBuffer dst) {
        checkOpen();
        FileChannel ch = segments.get(segment);
        if (ch == null) {
            throw new SegmentGoneException("journal " + dir + ": segment " + segment + " is gone");
        }
        try {
            readFully(ch, dst, offset);
        } catch (IOException e) {
            throw new ChunkStoreException("journal " + dir + ": read at segment " + segment + " offset "
                    + offset + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Drops every record after {@code seq}, from the index and from the files (durably), so that
     * their sequence numbers can be appended again. Not atomic across a crash: later segments are
     * deleted before the cut one is shortened, and a crash in between leaves dropped records on
     * disk; the next {@link #append} of one of their numbers drops them again.
     */
    public synchronized void truncateAfter(long seq) {
        checkOpen();
        Map.Entry<Long, Indexed> first = index.higherEntry(seq);
        if (first == null) {
            return;
        }
        Location cut = first.getValue().at();
        try {
            for (long id : new ArrayList<>(segments.tailMap(cut.segment(), false).keySet())) {
                segments.remove(id).close();
                Files.delete(segmentPath(id));
            }
            FileChannel ch = segments.get(cut.segment());
            long at = cut.offset() - HEADER_BYTES;
            ch.truncate(at);
            ch.force(true);
            openSegment = cut.segment();
            openSize = at;
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            }
        } catch (IOException e) {
            throw new ChunkStoreException("journal " + dir + ": truncate after " + seq + " failed: " + e.getMessage(), e);
        }
        index.tailMap(seq, false).clear();
        appendedSeq = lastSeq();
        syncedSeq = Math.min(syncedSeq, appendedSeq);
    }

    /** A segment file: its id, the sequence numbers of its first and last record (-1 if none) and its size. */
    public record Segment(long id, long firstSeq, long lastSeq, long bytes, boolean open) {
    }

    /** Every segment, in order. */
    public synchronized List<Segment> segments() {
        checkOpen();
        // One pass over the index (records lie in segment order): segment -> {first, last}.
        Map<Long, long[]> runs = new java.util.HashMap<>();
        for (Map.Entry<Long, Indexed> r : index.entrySet()) {
            long[] run = runs.computeIfAbsent(r.getValue().at().segment(), k -> new long[] {r.getKey(), r.getKey()});
            run[1] = r.getKey();
        }
        List<Segment> out = new ArrayList<>();
        for (Map.Entry<Long, FileChannel> e : segments.entrySet()) {
            long id = e.getKey();
            long[] run = runs.get(id);
            long first = run == null ? -1 : run[0];
            long last = run == null ? -1 : run[1];
            long bytes;
            try {
                bytes = id == openSegment ? openSize : e.getValue().size();
            } catch (IOException ex) {
                throw new ChunkStoreException("journal " + dir + ": cannot size segment " + id + ": " + ex.getMessage(), ex);
            }
            out.add(new Segment(id, first, last, bytes, id == openSegment));
        }
        return out;
    }

    /**
     * Deletes one segment, as {@link #segments} described it, other than the one being appended to,
     * with its records. Its file is unlinked now; its channel is closed at the next deletion (see
     * the class comment).
     */
    public synchronized void deleteSegment(Segment segment) {
        checkOpen();
        long id = segment.id();
        if (id == openSegment) {
            throw new IllegalArgumentException("journal " + dir + ": segment " + id + " is the open one");
        }
        for (FileChannel ch : retired) {
            closeQuietly(ch);
        }
        retired.clear();
        FileChannel ch = segments.remove(id);
        if (ch == null) {
            return;
        }
        retired.add(ch);
        if (segment.firstSeq() >= 0) { // a sealed segment's records do not change: drop just their run
            index.subMap(segment.firstSeq(), true, segment.lastSeq(), true).values().removeIf(r -> r.at().segment() == id);
        }
        try {
            Files.delete(segmentPath(id));
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            }
        } catch (IOException e) {
            throw new ChunkStoreException("journal " + dir + ": cannot delete segment " + id + ": " + e.getMessage(), e);
        }
    }

    /** The journal's bytes on disk (one fstat per sealed segment; the index is not read). */
    public synchronized long bytes() {
        checkOpen();
        long total = 0;
        for (Map.Entry<Long, FileChannel> e : segments.entrySet()) {
            try {
                total += e.getKey() == openSegment ? openSize : e.getValue().size();
            } catch (IOException ex) {
                throw new ChunkStoreException("journal " + dir + ": cannot size segment " + e.getKey() + ": " + ex.getMessage(), ex);
            }
        }
        return total;
    }

    /** The number of segment files. */
    public int segmentCount() {
        return segments.size();
    }

    private void checkOpen() {
        if (closed) {
            throw new ChunkStoreException("journal " + dir + " is closed");
        }
    }

    private void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            LOG.warn("journal {}: closing a segment failed: {}", dir, e.getMessage());
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        segments.values().forEach(this::closeQuietly);
        retired.forEach(this::closeQuietly);
        segments.clear();
        retired.clear();
    }
}
