package dev.cairn.ratis.volume;

import com.google.protobuf.ByteString;
import dev.cairn.chunkstore.AppliedIndex;
import dev.cairn.chunkstore.ChunkStore;
import dev.cairn.chunkstore.VolumeBatch;
import dev.cairn.chunkstore.ChunkStoreException;
import dev.cairn.ratis.proto.Extent;
import dev.cairn.ratis.proto.JournaledExtent;
import dev.cairn.ratis.proto.JournaledWrite;
import dev.cairn.ratis.proto.VolumeCommand;
import dev.cairn.ratis.proto.VolumeError;
import dev.cairn.ratis.proto.VolumeReply;
import dev.cairn.ratis.proto.WriteBlocks;
import dev.cairn.ratis.proto.WriteExtents;
import dev.cairn.ratis.proto.ZeroRange;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * Turns block writes and zero ranges into one chunk-store batch each. Writes need not be block
 * aligned: a partly covered block is read, merged and written back, which is safe because a
 * volume's entries are applied one at a time, in log order.
 */
final class BlockWriteExecutor {
    private final VolumeLayout layout;
    private final ChunkStore store;

    BlockWriteExecutor(VolumeLayout layout, ChunkStore store) {
        this.layout = layout;
        this.store = store;
    }

    VolumeReply write(WriteBlocks cmd, VolumeMeta meta, AppliedIndex at) {
        VolumeReply refused = EpochCheck.refuse(cmd.getEpoch(), meta);
        if (refused != null) {
            return refused;
        }
        if (!layout.contains(cmd.getOffset(), cmd.getData().size())) {
            return outOfRange(cmd.getOffset(), cmd.getData().size());
        }
        VolumeBatch batch = new VolumeBatch(layout.volumeId(), at);
        put(batch, cmd.getOffset(), cmd.getData(), null);
        store.apply(batch);
        return ok(meta);
    }

    /**
     * Writes gathered into one entry: one store batch, extents in order. Every range is checked
     * before anything is written, so an entry is applied wholly or not at all.
     */
    VolumeReply write(WriteExtents cmd, VolumeMeta meta, AppliedIndex at) {
        VolumeReply refused = EpochCheck.refuse(cmd.getEpoch(), meta);
        if (refused != null) {
            return refused;
        }
        for (Extent extent : cmd.getExtentsList()) {
            if (!layout.contains(extent.getOffset(), extent.getData().size())) {
                return outOfRange(extent.getOffset(), extent.getData().size());
            }
        }
        VolumeBatch batch = new VolumeBatch(layout.volumeId(), at);
        // A partly covered block merges with what an earlier extent of this entry put there.
        Map<Long, ByteBuffer> written = cmd.getExtentsCount() > 1 ? new HashMap<>() : null;
        for (Extent extent : cmd.getExtentsList()) {
            put(batch, extent.getOffset(), extent.getData(), written);
        }
        store.apply(batch);
        return ok(meta);
    }

    /**
     * A write whose bytes lie in the journal record of its own entry (docs/adr/0003): whole blocks
     * become pointers into the record. An entry with a partly covered block is applied from the
     * record's bytes instead, as the write it was (partial blocks are merged, never pointed to).
     */
    VolumeReply write(JournaledWrite cmd, VolumeMeta meta, AppliedIndex at) {
        VolumeReply refused = EpochCheck.refuse(cmd.getEpoch(), meta);
        if (refused != null) {
            return refused;
        }
        int bs = layout.blockSize();
        boolean aligned = true;
        for (JournaledExtent extent : cmd.getExtentsList()) {
            if (!layout.contains(extent.getOffset(), extent.getLength())) {
                return outOfRange(extent.getOffset(), extent.getLength());
            }
            aligned &= extent.getOffset() % bs == 0 && extent.getLength() % bs == 0;
        }
        if (!aligned) {
            return write(recordedCommand(at), meta, at);
        }
        VolumeBatch batch = new VolumeBatch(layout.volumeId(), at);
        for (JournaledExtent extent : cmd.getExtentsList()) {
            long first = extent.getOffset() / bs;
            for (int i = 0; i < extent.getLength() / bs; i++) {
                batch.putFromJournal(first + i, at.index(), at.term(), extent.getPosition() + i * bs);
            }
        }
        store.apply(batch);
        return ok(meta);
    }

    private WriteExtents recordedCommand(AppliedIndex at) {
        ByteBuffer record = store.journalRead(layout.volumeId(), at.index(), at.term());
        if (record == null) {
            throw new ChunkStoreException("volume " + layout.volumeId() + ": the journal has no record " + at.index()
                    + " of term " + at.term() + ": the replica must be rebuilt (docs/operations.md)");
        }
        try {
            return VolumeCommand.parseFrom(record).getWriteExtents();
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new ChunkStoreException("volume " + layout.volumeId() + ": journal record " + at.index()
                    + " is not a write: " + e.getMessage(), e);
        }
    }

    /** Adds the blocks [offset, offset + data) to the batch; {@code written} (if any) tracks them for later merges. */
    private void put(VolumeBatch batch, long offset, ByteString data, Map<Long, ByteBuffer> written) {
        int bs = layout.blockSize();
        long end = offset + data.size();
        long pos = offset;
        while (pos < end) {
            long block = pos / bs;
            int inBlock = (int) (pos % bs);
            int n = (int) Math.min(bs - inBlock, end - pos);
            ByteString piece = data.substring((int) (pos - offset), (int) (pos - offset) + n);
            ByteBuffer blockData;
            if (n == bs) {
                blockData = piece.asReadOnlyByteBuffer();
            } else {
                ByteBuffer earlier = written == null ? null : written.get(block);
                ByteBuffer merged = earlier != null ? copyOf(earlier) : readBlock(block);
                piece.copyTo(merged.position(inBlock));
                blockData = merged.clear();
            }
            batch.put(block, blockData);
            if (written != null) {
                written.put(block, blockData);
            }
            pos += n;
        }
    }

    private static ByteBuffer copyOf(ByteBuffer block) {
        ByteBuffer copy = ByteBuffer.allocate(block.remaining());
        copy.put(block.duplicate());
        return copy.clear();
    }

    VolumeReply zero(ZeroRange cmd, VolumeMeta meta, AppliedIndex at) {
        VolumeReply refused = EpochCheck.refuse(cmd.getEpoch(), meta);
        if (refused != null) {
            return refused;
        }
        long offset = cmd.getOffset();
        long length = cmd.getLength();
        if (!layout.contains(offset, length)) {
            return outOfRange(offset, length);
        }
        int bs = layout.blockSize();
        VolumeBatch batch = new VolumeBatch(layout.volumeId(), at);
        long end = offset + length;
        long firstWhole = (offset + bs - 1) / bs;
        long endWhole = end / bs;
        if (firstWhole < endWhole) {
            batch.deleteRange(firstWhole, endWhole - firstWhole);
            zeroPartial(batch, offset, firstWhole * bs);
            zeroPartial(batch, endWhole * bs, end);
        } else {
            zeroPartial(batch, offset, end);
        }
        store.apply(batch);
        return ok(meta);
    }

    /** Zeros [from, to) which lies within at most two blocks and covers neither wholly. */
    private void zeroPartial(VolumeBatch batch, long from, long to) {
        int bs = layout.blockSize();
        long pos = from;
        while (pos < to) {
            long block = pos / bs;
            int inBlock = (int) (pos % bs);
            int n = (int) Math.min(bs - inBlock, to - pos);
            if (n == bs) {
                batch.deleteRange(block, 1);
            } else {
                ByteBuffer merged = readBlock(block);
                merged.position(inBlock);
                for (int i = 0; i < n; i++) {
                    merged.put((byte) 0);
                }
                batch.put(block, merged.clear());
            }
            pos += n;
        }
    }

    private ByteBuffer readBlock(long block) {
        ByteBuffer buf = ByteBuffer.allocate(layout.blockSize());
        store.read(layout.volumeId(), block, 1, buf);
        return buf.clear();
    }

    private VolumeReply outOfRange(long offset, long length) {
        return VolumeReply.newBuilder().setError(VolumeError.OUT_OF_RANGE)
                .setMessage("range " + offset + "+" + length + " is beyond the volume's " + layout.sizeBytes() + " bytes")
                .build();
    }

    static VolumeReply ok(VolumeMeta meta) {
        return VolumeReply.newBuilder().setEpoch(meta.epoch()).build();
    }
}
