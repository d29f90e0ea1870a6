/**
 * The chunk store: each node's blocks of every volume it replicates, keyed by (volume id, block
 * index), each with a CRC32C, applied in atomic batches together with the volume's applied Raft index.
 *
 * <p>Knows nothing of Raft, networks or NBD. Only the {@code rocksdb} sub-package may touch RocksDB.
 */
package dev.cairn.chunkstore;
