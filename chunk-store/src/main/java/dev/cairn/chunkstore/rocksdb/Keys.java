package dev.cairn.chunkstore.rocksdb;

import java.nio.ByteBuffer;

/**
 * Key layout, one column family. Block: {@code 'b' | volumeId (8, BE) | blockIndex (8, BE)}; applied
 * index: {@code 'a' | volumeId (8, BE)}. Ids and indexes are non-negative, so byte order is numeric
 * order and a volume's blocks are one contiguous range.
 */
final class Keys {
    static final byte BLOCK = 'b';
    static final byte APPLIED = 'a';
    static final int BLOCK_KEY = 17;
    static final int APPLIED_KEY = 9;

    private Keys() {
    }

    static byte[] block(long volumeId, long blockIndex) {
        return ByteBuffer.allocate(BLOCK_KEY).put(BLOCK).putLong(volumeId).putLong(blockIndex).array();
    }

    /** The first key after every block of the volume. */
    static byte[] blocksEnd(long volumeId) {
        return volumeId == Long.MAX_VALUE
                ? ByteBuffer.allocate(BLOCK_KEY).put((byte) (BLOCK + 1)).array()
                : block(volumeId + 1, 0);
    }

    static byte[] applied(long volumeId) {
        return ByteBuffer.allocate(APPLIED_KEY).put(APPLIED).putLong(volumeId).array();
    }

    static long blockIndexOf(byte[] key) {
        return ByteBuffer.wrap(key, 9, 8).getLong();
    }

    static long volumeOf(byte[] key) {
        return ByteBuffer.wrap(key, 1, 8).getLong();
    }
}
