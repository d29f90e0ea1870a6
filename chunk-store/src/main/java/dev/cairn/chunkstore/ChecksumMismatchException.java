package dev.cairn.chunkstore;

/** A stored block failed its CRC32C check: the bytes on disk are not the bytes that were written. */
public class ChecksumMismatchException extends ChunkStoreException {
    private final long volumeId;
    private final long blockIndex;

    public ChecksumMismatchException(long volumeId, long blockIndex, int expected, int actual) {
        super(String.format("checksum mismatch in volume %d block %d: stored crc32c %08x, computed %08x",
                volumeId, blockIndex, expected, actual));
        this.volumeId = volumeId;
        this.blockIndex = blockIndex;
    }

    public long volumeId() {
        return volumeId;
    }

    public long blockIndex() {
        return blockIndex;
    }
}
