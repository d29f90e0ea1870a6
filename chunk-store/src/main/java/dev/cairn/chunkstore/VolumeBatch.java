package dev.cairn.chunkstore;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Operations on one volume's blocks that are applied atomically, together with the Raft index
 * they bring the volume to. Built by one thread, then handed to {@link ChunkStore#apply}.
 * Operations take effect in the order they were added.
 */
public final class VolumeBatch {

    /** One operation of a batch. */
    public sealed interface Op permits Put, PutFromJournal, DeleteRange {
    }

    /** Stores a whole block; {@code data} has exactly the store's block size remaining. */
    public record Put(long blockIndex, ByteBuffer data) implements Op {
    }

    /**
     * Stores a whole block whose bytes already lie in the volume's journal: the block-sized slice at
     * {@code recordOffset} of the record {@code (seq, term)} (docs/adr/0003-header-in-log.md).
     */
    public record PutFromJournal(long blockIndex, long seq, long term, int recordOffset) implements Op {
    }

    /** Makes {@code count} blocks from {@code firstBlock} read as zeros again (trim, write-zeroes). */
    public record DeleteRange(long firstBlock, long count) implements Op {
    }

    private final long volumeId;
    private final AppliedIndex appliedIndex;
    private final List<Op> ops = new ArrayList<>();

    public VolumeBatch(long volumeId, AppliedIndex appliedIndex) {
        this.volumeId = volumeId;
        this.appliedIndex = Objects.requireNonNull(appliedIndex);
    }

    public VolumeBatch put(long blockIndex, ByteBuffer data) {
        ops.add(new Put(blockIndex, Objects.requireNonNull(data)));
        return this;
    }

    public VolumeBatch putFromJournal(long blockIndex, long seq, long term, int recordOffset) {
        ops.add(new PutFromJournal(blockIndex, seq, term, recordOffset));
        return this;
    }

    public VolumeBatch deleteRange(long firstBlock, long count) {
        if (count > 0) {
            ops.add(new DeleteRange(firstBlock, count));
        }
        return this;
    }

    public long volumeId() {
        return volumeId;
    }

    public AppliedIndex appliedIndex() {
        return appliedIndex;
    }

    public List<Op> ops() {
        return Collections.unmodifiableList(ops);
    }
}
