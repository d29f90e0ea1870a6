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

    /** Approximate bytes stored for the volume (compressed blocks on disk plus memtables). */
    long storedBytes(long volumeId);

    @Override
    void close();
}
