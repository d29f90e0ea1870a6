package dev.cairn.ratis;

/** A member of a Raft group: node id, its Raft address (host:port), and its leader priority. */
public record Peer(String id, String raftAddress, int priority) {
}
