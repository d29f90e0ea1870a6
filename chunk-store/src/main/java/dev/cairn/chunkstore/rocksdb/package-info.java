/**
 * The RocksDB implementation of the chunk store: key layout, native handle ownership, export and
 * import of a volume as an SST file.
 *
 * <p>The only package of Cairn allowed to import {@code org.rocksdb} (enforced by the build).
 */
package dev.cairn.chunkstore.rocksdb;
