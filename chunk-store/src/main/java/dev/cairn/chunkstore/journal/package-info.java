/**
 * The append-only record journal of docs/adr/0003-header-in-log.md: segment files of
 * records named by (sequence number, term), synced on demand, torn tails cut off on open.
 *
 * <p>Each volume's journal holds the bytes of its large write entries; the RocksDB store points
 * into it. Knows nothing of Raft; its sequence numbers and terms are whatever the caller names
 * records by (the volume state machine uses Raft indexes and terms).
 */
package dev.cairn.chunkstore.journal;
