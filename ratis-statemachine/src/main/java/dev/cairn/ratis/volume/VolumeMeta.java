package dev.cairn.ratis.volume;

import dev.cairn.chunkstore.ChunkStore;
import dev.cairn.chunkstore.VolumeBatch;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The volume's own state besides its blocks: the attachment epoch and the host it belongs to. It is
 * kept in a reserved block far beyond any volume's end ({@link #META_BLOCK}), so that it is written in
 * the same atomic batch as the data, travels inside snapshots, and is removed with the volume.
 */
public record VolumeMeta(long epoch, String host) {

    /** Block index of the metadata block; no volume is large enough to reach it (2^62 blocks). */
    public static final long META_BLOCK = 1L << 62;
    private static final int MAGIC = 0x43414d31; // "CAM1"

    public static final VolumeMeta INITIAL = new VolumeMeta(0, "");

    static VolumeMeta load(ChunkStore store, long volumeId) {
        ByteBuffer block = ByteBuffer.allocate(store.blockSize());
        store.read(volumeId, META_BLOCK, 1, block);
        block.flip();
        if (block.getInt() != MAGIC) {
            return INITIAL;
        }
        long epoch = block.getLong();
        int hostLength = block.getShort();
        byte[] host = new byte[hostLength];
        block.get(host);
        return new VolumeMeta(epoch, new String(host, StandardCharsets.UTF_8));
    }

    void addTo(VolumeBatch batch, int blockSize) {
        byte[] hostBytes = host.getBytes(StandardCharsets.UTF_8);
        ByteBuffer block = ByteBuffer.allocate(blockSize);
        block.putInt(MAGIC).putLong(epoch).putShort((short) hostBytes.length).put(hostBytes);
        batch.put(META_BLOCK, block.clear());
    }
}
