package dev.cairn.chunkstore;

import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * A node's block store. A volume is an array of {@link #blockSize()}-byte blocks; a block never
 * written (or trimmed) reads as zeros.
 *
 * <p>Contract the Raft layer relies on:
 * <ul>
 *   <li>{@link #apply(VolumeBatch)} is atomic: after any crash either every operation of the batch and
 *       its applied index are visible, or none is.
 *   <li>Applied data may sit only in memory until {@link #sync()} returns (the Raft log is the
 *       write-ahead log). After a crash the store is at some earlier batch boundary, and
 *       {@link #appliedIndex(long)} says which: replay the log from the index after it.
 *   <li>Every read checks the block's CRC32C; a mismatch throws {@link ChecksumMismatchException},
 *       never returns bad bytes.
 * </ul>
 * Thread safety: reads may run concurrently with each other and with {@code apply}; batches of one
 * volume are applied by one thread at a time (the volume's Raft apply thread).
 */
public interface ChunkStore extends AutoCloseable {

    /** Bytes per block, fixed when the store is created. */
    int blockSize();

    /**
     * Reads {@code count} consecutive blocks starting at {@code firstBlock} into {@code dst}
     * (which must have {@code count * blockSize()} bytes remaining); absent blocks are zeros.
     * Advances {@code dst}'s position.
     *
     * @throws ChecksumMismatchException if a stored block fails its checksum
     */
    void read(long volumeId, long firstBlock, int count, ByteBuffer dst);

    /** Applies every operation in the batch and records its applied index, atomically. */
    void apply(VolumeBatch batch);

    /** The applied index last recorded for the volume, or {@link AppliedIndex#NONE}. */
    AppliedIndex appliedIndex(long volumeId);

    /** Makes everything applied so far durable (survives kill -9 and power loss). */
    void sync();

    /** Deletes every block and the applied index of a volume. Atomic. */
    void deleteVolume(long volumeId);

    /**
     * Writes a consistent copy of one volume (blocks and applied index, as of the moment of the
     * call) to {@code file}, for a Raft snapshot. Returns what the copy holds.
     */
    VolumeExport exportVolume(long volumeId, Path file);

    /**
     * Replaces a volume's contents with a copy made by {@link #exportVolume}, possibly on another
     * node, and records the copy's applied index. Atomic as seen by readers of this store.
     */
    AppliedIndex importVolume(long volumeId, Path file);

    /** Approximate bytes stored for the volume (compressed blocks on disk plus memtables, plus its journal). */
    long storedBytes(long volumeId);

    // The journal of docs/adr/0003-header-in-log.md: the data of a volume's large log entries,
    // written once, named by (sequence number, term) = (Raft index, term). Blocks point into it
    // through PutFromJournal. Appends of one volume come from one thread at a time.

    /**
     * Appends a record to the volume's journal; durable after {@link #journalSync}. Records at or
     * after {@code seq} already there are dead and are dropped first.
     */
    void journalAppend(long volumeId, long seq, long term, ByteBuffer data);

    /** Makes the volume's journal records durable; returns at once when nothing is pending. */
    void journalSync(long volumeId);

    /** The data of a journal record, checked against its CRC, or null if the journal has no such record. */
    ByteBuffer journalRead(long volumeId, long seq, long term);

    /** Drops the volume's journal records after {@code seq}. */
    void journalTruncateAfter(long volumeId, long seq);

    /**
     * Frees journal space: deletes the segments no block points into whose records all lie before
     * {@code keepFromSeq} (which must cover every record a Raft peer may still ask for), after
     * moving the few live blocks of mostly dead ones into the store. Runs on the volume's apply
     * thread; reads may run concurrently.
     */
    JournalCleaning cleanJournal(long volumeId, long keepFromSeq);

    /** What {@link #cleanJournal} did. */
    record JournalCleaning(int segmentsDeleted, long bytesFreed, long blocksMoved, long journalBytes) {
    }

    @Override
    void close();
}
