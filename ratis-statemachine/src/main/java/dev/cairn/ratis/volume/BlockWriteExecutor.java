package dev.cairn.ratis.volume;

import com.google.protobuf.ByteString;
import dev.cairn.chunkstore.AppliedIndex;
import dev.cairn.chunkstore.ChunkStore;
import dev.cairn.chunkstore.VolumeBatch;
import dev.cairn.ratis.proto.VolumeError;
import dev.cairn.ratis.proto.VolumeReply;
import dev.cairn.ratis.proto.WriteBlocks;
import dev.cairn.ratis.proto.ZeroRange;
import java.nio.ByteBuffer;

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
        ByteString data = cmd.getData();
        long offset = cmd.getOffset();
        if (!layout.contains(offset, data.size())) {
            return outOfRange(offset, data.size());
        }
        int bs = layout.blockSize();
        VolumeBatch batch = new VolumeBatch(layout.volumeId(), at);
        long end = offset + data.size();
        long pos = offset;
        while (pos < end) {
            long block = pos / bs;
            int inBlock = (int) (pos % bs);
            int n = (int) Math.min(bs - inBlock, end - pos);
            ByteString piece = data.substring((int) (pos - offset), (int) (pos - offset) + n);
            if (n == bs) {
                batch.put(block, piece.asReadOnlyByteBuffer());
            } else {
                ByteBuffer merged = readBlock(block);
                piece.copyTo(merged.position(inBlock));
                batch.put(block, merged.clear());
            }
            pos += n;
        }
        store.apply(batch);
        return ok(meta);
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
