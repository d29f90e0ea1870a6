package dev.cairn.chunkstore.rocksdb;

/**
 * Tuning of the RocksDB chunk store, sized for a node on a small host (2 cores).
 *
 * @param blockSize        bytes per block (a power of two, 512..64 KiB); fixed for the store's life
 * @param blockCacheBytes  LRU cache of uncompressed SST blocks, shared by all volumes
 * @param writeBufferBytes memtable size; with the WAL off, a memtable is what a crash can lose
 *                         (the Raft log replays it)
 * @param compression      LZ4 for upper levels and ZSTD at the bottom; off stores blocks raw
 */
public record RocksChunkStoreOptions(int blockSize, long blockCacheBytes, long writeBufferBytes, boolean compression) {

    public static final int DEFAULT_BLOCK_SIZE = 4096;

    public RocksChunkStoreOptions {
        if (blockSize < 512 || blockSize > 65536 || Integer.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException("block size must be a power of two between 512 and 65536, got " + blockSize);
        }
        if (blockCacheBytes < 0 || writeBufferBytes < (1 << 20)) {
            throw new IllegalArgumentException("block cache must be >= 0 and write buffer >= 1 MiB");
        }
    }

    public static RocksChunkStoreOptions defaults() {
        return new RocksChunkStoreOptions(DEFAULT_BLOCK_SIZE, 256L << 20, 64L << 20, true);
    }
}
