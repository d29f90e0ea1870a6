package dev.cairn.chunkstore.rocksdb;

import java.util.Locale;

/**
 * Tuning of the RocksDB chunk store, sized for a node on a small host (2 cores).
 *
 * @param blockSize        bytes per block (a power of two, 512..64 KiB); fixed for the store's life
 * @param blockCacheBytes  LRU cache of uncompressed SST blocks, shared by all volumes
 * @param writeBufferBytes memtable size; with the WAL off, a memtable is what a crash can lose
 *                         (the Raft log replays it)
 * @param compression      how SST and blob files are compressed; may change between opens (every
 *                         file records its own compression)
 * @param blobFiles        blocks kept in blob files, with only their keys in the LSM tree (RocksDB's
 *                         key-value separation), so compactions rewrite keys, not blocks; may change
 *                         between opens (blob files stay readable either way)
 * @param journalSegmentBytes size at which a volume's journal segment is closed (docs/adr/0003): the
 *                         unit in which journal space is freed
 */
public record RocksChunkStoreOptions(int blockSize, long blockCacheBytes, long writeBufferBytes, Compression compression,
                                     boolean blobFiles, long journalSegmentBytes) {

    public static final long DEFAULT_JOURNAL_SEGMENT_BYTES = 256L << 20;

    public static final int DEFAULT_BLOCK_SIZE = 4096;
    /**
     * Blob files are opt-in: they halved compaction writes and sped up large writes in two A/B pairs
     * of three, but sequential reads were slower in every pair (docs/benchmarks.md, third round).
     */
    public static final boolean DEFAULT_BLOB_FILES = false;

    /**
     * SST compression. Off by default: block data is often incompressible (compressed or encrypted
     * files, database pages with their own compression), and compressing it anyway costs CPU on
     * every flush and compaction of every replica — 11.7 instead of 8.5 CPU-seconds per GiB of
     * sequential overwrites in one store (bench/store-cpu, docs/benchmarks.md).
     */
    public enum Compression {
        /** Blocks stored raw. */
        NONE,
        /** LZ4 on every level: cheap, a modest ratio. */
        LZ4,
        /** LZ4 on the upper levels, ZSTD on the bottom level, where most data lives: the best ratio. */
        ZSTD;

        /** {@code none}, {@code lz4} or {@code zstd}, any case. */
        public static Compression parse(String value) {
            try {
                return valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("compression '" + value + "' is not one of none, lz4, zstd");
            }
        }
    }

    public RocksChunkStoreOptions {
        if (blockSize < 512 || blockSize > 65536 || Integer.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException("block size must be a power of two between 512 and 65536, got " + blockSize);
        }
        if (blockCacheBytes < 0 || writeBufferBytes < (1 << 20)) {
            throw new IllegalArgumentException("block cache must be >= 0 and write buffer >= 1 MiB");
        }
        if (journalSegmentBytes < (1 << 16)) {
            throw new IllegalArgumentException("journal segments must be at least 64 KiB, got " + journalSegmentBytes);
        }
        if (compression == null) {
            throw new IllegalArgumentException("compression must be given (NONE to store blocks raw)");
        }
    }

    public static RocksChunkStoreOptions defaults() {
        return new RocksChunkStoreOptions(DEFAULT_BLOCK_SIZE, 256L << 20, 64L << 20, Compression.NONE, DEFAULT_BLOB_FILES,
                DEFAULT_JOURNAL_SEGMENT_BYTES);
    }

    public RocksChunkStoreOptions withCompression(Compression c) {
        return new RocksChunkStoreOptions(blockSize, blockCacheBytes, writeBufferBytes, c, blobFiles, journalSegmentBytes);
    }

    public RocksChunkStoreOptions withBlobFiles(boolean on) {
        return new RocksChunkStoreOptions(blockSize, blockCacheBytes, writeBufferBytes, compression, on, journalSegmentBytes);
    }

    public RocksChunkStoreOptions withJournalSegmentBytes(long bytes) {
        return new RocksChunkStoreOptions(blockSize, blockCacheBytes, writeBufferBytes, compression, blobFiles, bytes);
    }
}
