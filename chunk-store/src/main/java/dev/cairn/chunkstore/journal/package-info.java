/**
 * The append-only record journal of docs/adr/0003-header-in-log.md (proposed): segment files of
 * records named by (sequence number, term), synced on demand, torn tails cut off on open.
 *
 * <p>Not yet used by the write path: the ADR's first building block, tested on its own. Knows
 * nothing of Raft; its sequence numbers and terms are whatever the caller names records by.
 */
package dev.cairn.chunkstore.journal;
