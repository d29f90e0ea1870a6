package dev.cairn.ratis;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/** Translates a {@link RaftHostConfig} into Ratis properties, with the choices explained. */
final class RaftProps {
    /** Largest block payload in one log entry; larger writes are split by the caller. */
    static final int MAX_ENTRY_PAYLOAD = 1 << 20;
    /** Log entries kept behind a snapshot when the log is purged (at most a quarter of the snapshot interval). */
    static final long PURGE_PRESERVES_ENTRIES = 10_000;
    private static final String OVERRIDE_PREFIX = "cairn.raft.";
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RaftProps.class);

    private RaftProps() {
    }

    static RaftProperties of(RaftHostConfig config) {
        RaftProperties p = new RaftProperties();
        RaftServerConfigKeys.setStorageDir(p, List.of(config.storageDir().toFile()));
        String[] hostPort = splitAddress(config.raftAddress());
        GrpcConfigKeys.Server.setHost(p, hostPort[0]);
        GrpcConfigKeys.Server.setPort(p, Integer.parseInt(hostPort[1]));
        // Entries carry up to 1 MiB of blocks. The appender's byte limit is also the largest entry
        // the log reader accepts when a node restarts, and its end-of-log check can overrun its
        // mark for entries above half of it: keep it at 4 MiB, well above twice the largest entry
        // (at 2 MiB a node could not restart after 1 MiB writes). The write buffer (one per group)
        // must hold limit + 8 bytes.
        GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf("16MB"));
        RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf("8MB"));
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(config.logSegmentBytes()));
        // Ratis zero-fills each log segment ahead of its entries, 4 MiB at a time by default. A
        // split entry (docs/adr/0003) leaves ~60 bytes in the log, but Ratis 3.3 counts its data
        // toward the open segment's size (LogSegment.append), so a segment closes after about
        // log-segment-size of journaled writes and the next one is zero-filled again: the log's
        // zeros matched the journal's bytes, half of what the disk wrote for 1 MiB writes. With
        // 64 KiB, 1 MiB writes on 3 replicas wrote 3.2 instead of 6.1 bytes to the disk per byte
        // written (docs/benchmarks.md, ninth round; JournaledVolumeGroupTest counts it).
        RaftServerConfigKeys.Log.setPreallocatedSize(p, SizeInBytes.valueOf("64KB"));
        RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, SizeInBytes.valueOf("4MB"));
        // Snapshot sends: one 1 MiB chunk in flight. With Ratis' defaults (8 in flight) and 4 MiB
        // chunks, a leader whose follower was down while it needed a snapshot ran out of a 1 GiB
        // heap when the follower returned, and chunks of several attempts reached the follower
        // interleaved, so it never caught up; with these two settings the same run (bench/
        // snapshot-send, 1 GiB volume) installed the snapshot within seconds (docs/operations.md).
        RaftServerConfigKeys.Log.Appender.setSnapshotChunkSizeMax(p, SizeInBytes.valueOf("1MB"));
        GrpcConfigKeys.Server.setInstallSnapshotRequestElementLimit(p, 1);
        // A follower queues an appendEntries request without waiting for the previous one's fsync,
        // so requests that arrive during an fsync share the next one (replies still wait for it:
        // nothing is acknowledged earlier). 4k QD1 commits/s with 3 replicas: 190 -> 294
        // (docs/benchmarks.md). Ozone's datanodes run with the same setting.
        RaftServerConfigKeys.Log.setAppendEntriesComposeEnabled(p, false);
        // No commit-index ("metadata") entries in the log. With Ratis' default the leader appends
        // one after every commit and replicates and fsyncs it like a write: half of a volume's
        // entries carried no data (3-replica writes 13-70 % faster without them in two of three
        // A/B comparisons, within noise in the third: docs/benchmarks.md, fourth round). They let
        // a restarted server apply up to its last commit before it hears from a leader, which
        // Cairn does not rely on: reads and writes need the primary's leadership, the chunk store
        // keeps its own applied index, and a reconciler waits until its copy of the cluster state
        // holds its own registration. What they also did, tell followers of a commit at once, the
        // cluster commands that need it get from ClusterClient.submitAndSee (a follower otherwise
        // learns of a commit from the next entry or heartbeat, up to half the minimum election
        // timeout later).
        RaftServerConfigKeys.Log.setLogMetadataEnabled(p, false);
        // Reads must never be stale: confirm leadership (read index), by lease when it is valid.
        RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
        RaftServerConfigKeys.Read.setLeaderLeaseEnabled(p, true);
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, duration(config.electionTimeoutMin()));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, duration(config.electionTimeoutMax()));
        RaftServerConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(10, TimeUnit.SECONDS));
        // The log is only purged behind a snapshot; a restart resumes from the snapshot + log tail.
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, config.snapshotEveryEntries());
        RaftServerConfigKeys.Snapshot.setCreationGap(p, Math.max(1, config.snapshotEveryEntries() / 2));
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
        // A replica a little behind (it missed the last entries before a restart) catches up from
        // the log, not from a snapshot of the whole volume.
        RaftServerConfigKeys.Log.setPurgePreservationLogNum(p, Math.min(PURGE_PRESERVES_ENTRIES, config.snapshotEveryEntries() / 4));
        // No snapshot when a node stops: a volume snapshot is an export of every block (minutes for
        // a large volume), and a restart does not need one (the store resumes at its applied index).
        RaftServerConfigKeys.Snapshot.setTriggerWhenStopEnabled(p, false);
        RaftServerConfigKeys.Log.setPurgeGap(p, (int) Math.min(Integer.MAX_VALUE, Math.max(1, config.snapshotEveryEntries() / 4)));
        // Our primaries submit with unique call ids and never retry them: keep the cache short.
        RaftServerConfigKeys.RetryCache.setExpiryTime(p, TimeDuration.valueOf(10, TimeUnit.SECONDS));
        overrides(p);
        return p;
    }

    /**
     * For measurements only (bench/run A/B runs): {@code -Dcairn.raft.<ratis key>=<value>} sets a
     * Ratis property after Cairn's own choices. Logged loudly, since a wrong key can trade away
     * durability (e.g. raft.server.log.unsafe-flush.enabled).
     */
    private static void overrides(RaftProperties p) {
        for (String key : new java.util.TreeSet<>(System.getProperties().stringPropertyNames())) {
            if (key.startsWith(OVERRIDE_PREFIX)) {
                String ratisKey = key.substring(OVERRIDE_PREFIX.length());
                p.set(ratisKey, System.getProperty(key));
                LOG.warn("Ratis property {} = {} set from the command line (for measurements, not production)",
                        ratisKey, System.getProperty(key));
            }
        }
    }

    static String[] splitAddress(String address) {
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1) {
            throw new IllegalArgumentException("raft address '" + address + "' must be host:port");
        }
        return new String[] {address.substring(0, colon), address.substring(colon + 1)};
    }

    private static TimeDuration duration(java.time.Duration d) {
        return TimeDuration.valueOf(d.toMillis(), TimeUnit.MILLISECONDS);
    }
}
