package dev.cairn.volume.node;

import dev.cairn.chunkstore.ChunkStore;
import dev.cairn.ratis.RaftHost;
import dev.cairn.ratis.RaftHostConfig;
import dev.cairn.ratis.proto.NodeRecord;
import dev.cairn.volume.admin.AdminServer;
import dev.cairn.volume.nbd.NbdServer;
import dev.cairn.volume.nbd.NbdServerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Cairn node: its chunk store, its Raft host, the NBD server for the volumes it is primary of,
 * the admin API, and the reconciler that keeps them in line with the cluster group. Started by
 * {@code cairn node run}; closing it stops everything in reverse order.
 */
public final class CairnNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CairnNode.class);

    private final NodeConfig config;
    private final List<AutoCloseable> closeInReverse = new ArrayList<>();
    private RaftHost raft;
    private NbdServer nbd;
    private AdminServer admin;

    private CairnNode(NodeConfig config) {
        this.config = config;
    }

    /**
     * Starts a node. {@code openStore} opens the chunk store at a directory (the RocksDB store in
     * production). Fails with a message naming what is wrong (port taken, data dir locked, ...).
     */
    public static CairnNode start(NodeConfig config, Function<java.nio.file.Path, ChunkStore> openStore) throws Exception {
        CairnNode node = new CairnNode(config);
        try {
            node.startParts(openStore);
        } catch (Exception | Error e) {
            node.close();
            throw e;
        }
        return node;
    }

    private void startParts(Function<java.nio.file.Path, ChunkStore> openStore) throws Exception {
        Files.createDirectories(config.dataDir());
        lockDataDir();
        ChunkStore store = openStore.apply(config.dataDir().resolve("chunks"));
        closeInReverse.add(store);
        RaftHostConfig raftConfig = new RaftHostConfig(config.id(), config.raftAddress(), config.dataDir().resolve("raft"),
                config.electionTimeoutMin(), config.electionTimeoutMax(), config.snapshotEveryEntries(), config.nodeDownAfter(),
                config.logSegmentBytes(), config.journalThreshold());
        raft = RaftHost.start(raftConfig, store);
        closeInReverse.add(raft);
        nbd = new NbdServer(NbdServerConfig.of(config.nbdAddress(), config.nbdSocket()), new LocalExports(raft));
        closeInReverse.add(nbd);
        Clock clock = Clock.systemUTC();
        RaftHost host = raft;
        Reconciler reconciler = new Reconciler(raft, this::selfRecord,
                () -> host.volumeGroups().stream().mapToLong(store::storedBytes).sum(), clock, config.repairAfter());
        reconciler.start(config.heartbeatInterval().toMillis());
        closeInReverse.add(reconciler);
        admin = new AdminServer(config.adminAddress(), new NodeAdminBackend(config, raft, new ClusterToken(config.tokenFile()), clock,
                reconciler::caughtUp));
        closeInReverse.add(admin);
        LOG.info("node {} up: admin http://{}, nbd {}, raft {}, data {}", config.id(), config.adminAddress(),
                config.nbdAddress(), config.raftAddress(), config.dataDir());
    }

    private void lockDataDir() throws IOException {
        FileChannel channel = FileChannel.open(config.dataDir().resolve("node.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = channel.tryLock();
        if (lock == null) {
            channel.close();
            throw new IllegalStateException("data directory " + config.dataDir() + " is in use by another cairn node; "
                    + "stop it first or give this node its own --data-dir");
        }
        closeInReverse.add(channel);
    }

    private NodeRecord selfRecord() {
        return NodeRecord.newBuilder()
                .setId(config.id())
                .setRaftAddress(config.raftAddress())
                .setAdminAddress(config.adminAddress())
                .setNbdAddress(config.nbdAddress())
                .setZone(config.zone())
                .setHost(hostName())
                .setCapacityBytes(capacity())
                .setVoting(true)
                .build();
    }

    private long capacity() {
        if (config.capacityBytes() > 0) {
            return config.capacityBytes();
        }
        try {
            return Files.getFileStore(config.dataDir()).getUsableSpace();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }

    public NodeConfig config() {
        return config;
    }

    public int adminPort() {
        return admin.port();
    }

    public int nbdPort() {
        return nbd.port();
    }

    @Override
    public void close() {
        for (int i = closeInReverse.size() - 1; i >= 0; i--) {
            try {
                closeInReverse.get(i).close();
            } catch (Exception e) {
                LOG.warn("closing {} failed: {}", closeInReverse.get(i).getClass().getSimpleName(), e.toString());
            }
        }
        closeInReverse.clear();
    }
}
