/**
 * What a node does: its configuration, start-up and shutdown, keeping local Raft groups matching
 * the cluster group's decisions, heartbeats, and exporting the volumes it is primary of over NBD.
 *
 * <p>No Ratis or RocksDB types here: the node drives {@code dev.cairn.ratis.RaftHost} and the
 * {@code ChunkStore} interface.
 */
package dev.cairn.volume.node;
