package dev.cairn.ratis.volume;

import dev.cairn.chunkstore.ChunkStore;
import java.nio.ByteBuffer;

/** Reads a byte range of a volume from the chunk store, block aligned or not. */
final class BlockReadExecutor {
    private final VolumeLayout layout;
    private final ChunkStore store;

    BlockReadExecutor(VolumeLayout layout, ChunkStore store) {
        this.layout = layout;
        this.store = store;
    }

    /**
     * The bytes of [offset, offset + length), as a buffer positioned at the first of them.
     *
     * @throws IllegalArgumentException if the range is outside the volume
     */
    ByteBuffer read(long offset, int length) {
        if (!layout.contains(offset, length)) {
            throw new IllegalArgumentException("read " + offset + "+" + length + " is beyond the volume's "
                    + layout.sizeBytes() + " bytes");
        }
        if (length == 0) {
            return ByteBuffer.allocate(0);
        }
        int bs = layout.blockSize();
        long first = offset / bs;
        long last = (offset + length - 1) / bs;
        int count = (int) (last - first + 1);
        ByteBuffer buf = ByteBuffer.allocate(count * bs);
        store.read(layout.volumeId(), first, count, buf);
        int skip = (int) (offset - first * bs);
        return buf.position(skip).limit(skip + length);
    }
}
