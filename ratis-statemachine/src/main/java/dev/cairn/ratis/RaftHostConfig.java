package dev.cairn.ratis;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How a node's Raft host runs. Timeouts bound failover: a follower starts an election after
 * {@code electionTimeoutMin..Max} without hearing from its leader.
 *
 * @param snapshotEveryEntries a volume group takes a snapshot (and purges its log behind it) after
 *                             this many entries
 * @param logSegmentBytes      size at which a log segment is closed; only closed segments are purged
 * @param nodeDownAfter        after how long without a heartbeat the cluster treats a node as down;
 *                             must be equal on every node
 * @param journalEntryBytes    write entries of at least this many bytes keep their data in the volume's
 *                             journal, not in the log (docs/adr/0003-header-in-log.md); 0: never.
 *                             May differ between nodes (the primary decides per entry)
 */
public record RaftHostConfig(
        String nodeId,
        String raftAddress,
        Path storageDir,
        Duration electionTimeoutMin,
        Duration electionTimeoutMax,
        long snapshotEveryEntries,
        Duration nodeDownAfter,
        long logSegmentBytes,
        int journalEntryBytes) {

    public static final Duration DEFAULT_ELECTION_TIMEOUT_MIN = Duration.ofMillis(1000);
    public static final Duration DEFAULT_ELECTION_TIMEOUT_MAX = Duration.ofMillis(2000);
    public static final long DEFAULT_SNAPSHOT_EVERY_ENTRIES = 200_000;
    public static final Duration DEFAULT_NODE_DOWN_AFTER = Duration.ofSeconds(10);
    /**
     * Only closed segments are purged. Ratis 3.3 counts a split entry's data (docs/adr/0003) toward
     * the segment's size although only its ~60-byte header is in the file, so a segment closes after
     * about this much data written either way (docs/adr/0003, "Space").
     */
    public static final long DEFAULT_LOG_SEGMENT_BYTES = 4L << 20;
    /**
     * Smaller entries keep their data in the log: a split entry's commit waits for one more fsync
     * (docs/benchmarks.md, seventh and eighth rounds).
     */
    public static final int DEFAULT_JOURNAL_ENTRY_BYTES = 64 << 10;

    public RaftHostConfig {
        if (electionTimeoutMin.compareTo(electionTimeoutMax) >= 0) {
            throw new IllegalArgumentException("election timeout min " + electionTimeoutMin + " must be below max " + electionTimeoutMax);
        }
        if (snapshotEveryEntries < 1) {
            throw new IllegalArgumentException("snapshot threshold must be positive");
        }
        if (logSegmentBytes < (4L << 20)) {
            throw new IllegalArgumentException("log segments must be at least 4 MiB (a batch of entries must fit), got " + logSegmentBytes);
        }
        if (journalEntryBytes < 0) {
            throw new IllegalArgumentException("journal entry threshold must be 0 (off) or positive, got " + journalEntryBytes);
        }
    }

    public static RaftHostConfig defaults(String nodeId, String raftAddress, Path storageDir) {
        return new RaftHostConfig(nodeId, raftAddress, storageDir, DEFAULT_ELECTION_TIMEOUT_MIN,
                DEFAULT_ELECTION_TIMEOUT_MAX, DEFAULT_SNAPSHOT_EVERY_ENTRIES, DEFAULT_NODE_DOWN_AFTER, DEFAULT_LOG_SEGMENT_BYTES,
                DEFAULT_JOURNAL_ENTRY_BYTES);
    }

    public RaftHostConfig withSnapshotEveryEntries(long entries) {
        return new RaftHostConfig(nodeId, raftAddress, storageDir, electionTimeoutMin, electionTimeoutMax, entries, nodeDownAfter, logSegmentBytes, journalEntryBytes);
    }

    public RaftHostConfig withLogSegmentBytes(long bytes) {
        return new RaftHostConfig(nodeId, raftAddress, storageDir, electionTimeoutMin, electionTimeoutMax, snapshotEveryEntries, nodeDownAfter, bytes, journalEntryBytes);
    }

    public RaftHostConfig withElectionTimeouts(Duration min, Duration max) {
        return new RaftHostConfig(nodeId, raftAddress, storageDir, min, max, snapshotEveryEntries, nodeDownAfter, logSegmentBytes, journalEntryBytes);
    }

    public RaftHostConfig withJournalEntryBytes(int bytes) {
        return new RaftHostConfig(nodeId, raftAddress, storageDir, electionTimeoutMin, electionTimeoutMax, snapshotEveryEntries, nodeDownAfter,
                logSegmentBytes, bytes);
    }

    public RaftHostConfig withNodeDownAfter(Duration after) {
        return new RaftHostConfig(nodeId, raftAddress, storageDir, electionTimeoutMin, electionTimeoutMax, snapshotEveryEntries, after, logSegmentBytes, journalEntryBytes);
    }
}
