package dev.cairn.ratis;

import dev.cairn.chunkstore.ChunkStore;
import dev.cairn.ratis.cluster.ClusterStateMachine;
import dev.cairn.ratis.volume.VolumeLayout;
import dev.cairn.ratis.volume.VolumeStateMachine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.statemachine.StateMachine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's Raft server: the cluster group and the groups of the volumes it replicates, all on one
 * Ratis server and one port. The volume manager drives it through this Ratis-free facade.
 */
public final class RaftHost implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RaftHost.class);

    private final RaftHostConfig config;
    private final ChunkStore store;
    private final RaftProperties properties;
    private final LocalLayouts layouts;
    private final ClusterStateMachine cluster;
    private final RaftServer server;
    private final ClientId clientId = ClientId.randomId();
    private final AtomicLong callIds = new AtomicLong();
    private final ClusterClient clusterClient;
    /** Hands finished Raft requests of the volumes back to Cairn, off Ratis' own threads. */
    private final java.util.concurrent.ExecutorService volumeIo = java.util.concurrent.Executors.newFixedThreadPool(2,
            Thread.ofPlatform().daemon().name("volume-io-", 0).factory());

    private RaftHost(RaftHostConfig config, ChunkStore store) throws IOException {
        this.config = config;
        this.store = store;
        this.properties = RaftProps.of(config);
        this.layouts = new LocalLayouts(config.storageDir().resolveSibling("layouts"));
        this.cluster = new ClusterStateMachine(config.nodeDownAfter().toMillis());
        Files.createDirectories(config.storageDir());
        StateMachine.Registry registry = this::stateMachineFor;
        this.server = RaftServer.newBuilder()
                .setServerId(RaftPeerId.valueOf(config.nodeId()))
                .setProperties(properties)
                .setStateMachineRegistry(registry)
                .setOption(org.apache.ratis.server.storage.RaftStorage.StartupOption.RECOVER)
                .build();
        this.clusterClient = new ClusterClient(this, properties);
    }

    /** Starts the server and every group found in its storage directory (a restart rejoins). */
    public static RaftHost start(RaftHostConfig config, ChunkStore store) throws IOException {
        RaftHost host = new RaftHost(config, store);
        host.server.start();
        LOG.info("raft host {} listening on {}", config.nodeId(), config.raftAddress());
        return host;
    }

    private StateMachine stateMachineFor(RaftGroupId groupId) {
        if (groupId.equals(GroupIds.CLUSTER)) {
            return cluster;
        }
        OptionalLong volumeId = GroupIds.volumeId(groupId);
        if (volumeId.isEmpty()) {
            throw new IllegalArgumentException("unknown raft group " + groupId);
        }
        return new VolumeStateMachine(layouts.load(volumeId.getAsLong()), store, config.journalEntryBytes());
    }

    public String nodeId() {
        return config.nodeId();
    }

    public RaftHostConfig config() {
        return config;
    }

    ClientId clientId() {
        return clientId;
    }

    long nextCallId() {
        return callIds.incrementAndGet();
    }

    RaftServer server() {
        return server;
    }

    // ---- cluster group

    public ClusterStateMachine clusterStateMachine() {
        return cluster;
    }

    public ClusterClient cluster() {
        return clusterClient;
    }

    /** True once this node is a member of the cluster group (after init or join, or on restart). */
    public boolean hasClusterGroup() {
        return groupIds().contains(GroupIds.CLUSTER);
    }

    /** The cluster group's leader as this node knows it. */
    public Optional<String> clusterLeader() {
        return division(GroupIds.CLUSTER).map(d -> d.getInfo().getLeaderId()).map(RaftPeerId::toString);
    }

    /** Forms the cluster group on this node with the given initial members (this node among them). */
    public void joinClusterGroup(List<Peer> members) {
        joinClusterGroup(members, List.of());
    }

    /**
     * Adds the cluster group on this node with the given voters and non-voting listeners (this node
     * among one of them); the leader's configuration change then brings it up to date.
     */
    public void joinClusterGroup(List<Peer> voters, List<Peer> listeners) {
        java.util.List<RaftPeer> peers = new java.util.ArrayList<>(toRaftPeers(voters));
        for (Peer l : listeners) {
            peers.add(RaftPeer.newBuilder().setId(l.id()).setAddress(l.raftAddress()).setPriority(0)
                    .setStartupRole(org.apache.ratis.proto.RaftProtos.RaftPeerRole.LISTENER).build());
        }
        addGroupLocally(RaftGroup.valueOf(GroupIds.CLUSTER, peers));
    }

    /** Removes this node's copy of the cluster group (a join that was not admitted). */
    public void leaveClusterGroup() {
        if (hasClusterGroup()) {
            GroupManagementRequest request = GroupManagementRequest.newRemove(clientId, server.getId(), nextCallId(), GroupIds.CLUSTER, true, false);
            RaftClientReply reply = join(server.groupManagementAsync(request));
            if (!reply.isSuccess()) {
                throw new IllegalStateException("cannot leave the cluster group: " + reply.getException());
            }
        }
    }

    /** The cluster group's current voting members as this node knows them. */
    public List<Peer> clusterMembers() {
        return clusterPeers(org.apache.ratis.proto.RaftProtos.RaftPeerRole.FOLLOWER);
    }

    /** The cluster group's current non-voting members (listeners). */
    public List<Peer> clusterListeners() {
        return clusterPeers(org.apache.ratis.proto.RaftProtos.RaftPeerRole.LISTENER);
    }

    private List<Peer> clusterPeers(org.apache.ratis.proto.RaftProtos.RaftPeerRole role) {
        return division(GroupIds.CLUSTER)
                .map(d -> d.getRaftConf().getCurrentPeers(role).stream()
                        .map(p -> new Peer(p.getId().toString(), p.getAddress(), p.getPriority()))
                        .sorted(java.util.Comparator.comparing(Peer::id)).toList())
                .orElse(List.of());
    }

    // ---- volume groups

    /** Adds this node's replica of a volume, with the group's members, unless it is already here. */
    public void ensureVolumeGroup(VolumeLayout layout, List<Peer> members) {
        RaftGroupId groupId = GroupIds.volume(layout.volumeId());
        if (groupIds().contains(groupId)) {
            return;
        }
        layouts.save(layout);
        addGroupLocally(RaftGroup.valueOf(groupId, toRaftPeers(members)));
    }

    /** Removes this node's replica of a volume: its group, its log and its blocks. */
    public void removeVolumeGroup(long volumeId) {
        RaftGroupId groupId = GroupIds.volume(volumeId);
        if (groupIds().contains(groupId)) {
            GroupManagementRequest request = GroupManagementRequest.newRemove(clientId, server.getId(), nextCallId(), groupId, true, false);
            RaftClientReply reply = join(server.groupManagementAsync(request));
            if (!reply.isSuccess()) {
                throw new IllegalStateException("cannot remove the group of volume " + volumeId + ": " + reply.getException());
            }
        }
        store.deleteVolume(volumeId);
        layouts.delete(volumeId);
    }

    /** The ids of the volumes replicated here. */
    public Set<Long> volumeGroups() {
        Set<Long> ids = new TreeSet<>();
        for (RaftGroupId id : groupIds()) {
            GroupIds.volumeId(id).ifPresent(ids::add);
        }
        return ids;
    }

    /** This node's replica of the volume, once its group is running here (not while it starts or stops). */
    public Optional<VolumeReplica> replica(long volumeId) {
        return division(GroupIds.volume(volumeId))
                .filter(d -> d.getInfo().getLifeCycleState() == org.apache.ratis.util.LifeCycle.State.RUNNING)
                .map(d -> new VolumeReplica(this, d));
    }

    // ---- plumbing

    Optional<RaftServer.Division> division(RaftGroupId groupId) {
        if (!groupIds().contains(groupId)) {
            return Optional.empty();
        }
        try {
            return Optional.of(server.getDivision(groupId));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private Set<RaftGroupId> groupIds() {
        Set<RaftGroupId> ids = new java.util.HashSet<>();
        server.getGroupIds().forEach(ids::add);
        return ids;
    }

    private void addGroupLocally(RaftGroup group) {
        GroupManagementRequest request = GroupManagementRequest.newAdd(clientId, server.getId(), nextCallId(), group, true);
        RaftClientReply reply = join(server.groupManagementAsync(request));
        if (!reply.isSuccess() && !String.valueOf(reply.getException()).contains("already exists")) {
            throw new IllegalStateException("cannot add raft group " + group.getGroupId() + ": " + reply.getException());
        }
    }

    static List<RaftPeer> toRaftPeers(List<Peer> peers) {
        return peers.stream().map(p -> RaftPeer.newBuilder().setId(p.id()).setAddress(p.raftAddress())
                .setPriority(p.priority()).build()).toList();
    }

    private static <T> T join(CompletableFuture<T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        }
    }

    /** After close, runs the task on the caller: Ratis is stopped then, so nothing can deadlock. */
    java.util.concurrent.Executor volumeIo() {
        return task -> {
            try {
                volumeIo.execute(task);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                task.run();
            }
        };
    }

    @Override
    public void close() {
        clusterClient.close();
        try {
            server.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            volumeIo.shutdown();
        }
    }
}
