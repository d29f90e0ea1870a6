package dev.cairn.chunkstore.rocksdb;

import java.nio.ByteBuffer;

/**
 * A block's value when its bytes lie in the volume's journal (docs/adr/0003-header-in-log.md):
 * {@code 'J' | segment (8, BE) | offset (8, BE) | crc32c of the block (4, BE)}. Its length, 21,
 * is never that of a value holding the bytes (4 + block size, at least 516), so values written
 * before journals existed read as they always did.
 */
record Pointer(long segment, long offset, int crc) {
    static final int BYTES = 21;
    static final byte TYPE = 'J';

    static boolean is(byte[] value, int length) {
        return length == BYTES && value[0] == TYPE;
    }

    static Pointer decode(byte[] value) {
        ByteBuffer b = ByteBuffer.wrap(value, 1, BYTES - 1);
        return new Pointer(b.getLong(), b.getLong(), b.getInt());
    }

    byte[] encode() {
        return ByteBuffer.allocate(BYTES).put(TYPE).putLong(segment).putLong(offset).putInt(crc).array();
    }
}
