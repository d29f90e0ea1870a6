package dev.cairn.volume.node;

import dev.cairn.ratis.Peer;
import dev.cairn.ratis.RaftHost;
import dev.cairn.ratis.VolumeReplica;
import dev.cairn.ratis.cluster.ClusterView;
import dev.cairn.ratis.proto.ClusterCommand;
import dev.cairn.ratis.proto.ClusterSnapshot;
import dev.cairn.ratis.proto.Heartbeat;
import dev.cairn.ratis.proto.NodeRecord;
import dev.cairn.ratis.proto.RegisterNode;
import dev.cairn.ratis.proto.SetReplicaSet;
import dev.cairn.ratis.proto.VolumeRecord;
import dev.cairn.ratis.volume.VolumeLayout;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node's Raft groups matching what the cluster group decided, on one thread: registers
 * the node, adds and removes local volume replicas, moves a volume's leadership to the host it is
 * attached to and records the attachment epoch in the volume's log, and sends heartbeats.
 */
final class Reconciler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);

    private final RaftHost raft;
    private final Supplier<NodeRecord> self;
    private final Supplier<Long> usedBytes;
    private final Clock clock;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "reconciler");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean pending = new AtomicBoolean();
    private final Set<Long> transfersInFlight = ConcurrentHashMap.newKeySet();
    private final Map<Long, Long> nextTransfer = new ConcurrentHashMap<>();
    private final Map<Long, Long> transferFailureLogged = new ConcurrentHashMap<>();
    private final Set<Long> epochsInFlight = ConcurrentHashMap.newKeySet();
    private final Set<Long> membershipInFlight = ConcurrentHashMap.newKeySet();
    private final Set<Long> repairsInFlight = ConcurrentHashMap.newKeySet();
    private static final long NOT_REGISTERED = Long.MAX_VALUE;
    /** How long registering waits to see its own registration in this node's copy of the state. */
    private static final long SEE_REGISTRATION_MS = 3_000;
    /** Log index of this run's registration in the cluster group ({@link #NOT_REGISTERED} before it). */
    private volatile long registeredAt = NOT_REGISTERED;
    private long leadingSinceMs = -1;

    private final long repairAfterMs;

    Reconciler(RaftHost raft, Supplier<NodeRecord> self, Supplier<Long> usedBytes, Clock clock, java.time.Duration repairAfter) {
        this.raft = raft;
        this.self = self;
        this.usedBytes = usedBytes;
        this.clock = clock;
        this.repairAfterMs = repairAfter.toMillis();
    }

    void start(long heartbeatMillis) {
        raft.clusterStateMachine().addListener(state -> poke());
        thread.scheduleWithFixedDelay(this::runSafely, 0, 500, TimeUnit.MILLISECONDS);
        thread.scheduleWithFixedDelay(this::heartbeat, heartbeatMillis, heartbeatMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * Whether this node's copy of the cluster state is at least as new as its registration in
     * this run: what it holds then includes everything committed before it (re)started.
     */
    boolean caughtUp() {
        return raft.clusterStateMachine().appliedIndex() >= registeredAt; // never true before registering
    }

    /** Asks for a pass soon (coalesced). */
    void poke() {
        if (pending.compareAndSet(false, true)) {
            try {
                thread.execute(() -> {
                    pending.set(false);
                    runSafely();
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // the node is shutting down
            }
        }
    }

    private void runSafely() {
        try {
            reconcile();
        } catch (RuntimeException e) {
            LOG.warn("reconcile pass failed (will retry): {}", e.toString());
        }
    }

    private void reconcile() {
        if (!raft.hasClusterGroup()) {
            return;
        }
        long applied = raft.clusterStateMachine().appliedIndex(); // before state(): state is at least this new
        ClusterSnapshot state = raft.clusterStateMachine().state();
        if (!ClusterView.initialized(state)) {
            return;
        }
        if (!registered()) {
            register();
            return;
        }
        // Act only on a cluster state at least as new as this run's registration. A restarted node
        // starts from its last cluster snapshot, possibly old (its log holds no commit index, see
        // RaftProps), and learns what is committed from the leader; acting on that old state could
        // remove a replica placed here since, or push an old replica set to a volume group.
        if (applied < registeredAt) {
            return;
        }
        Set<Long> wanted = new HashSet<>();
        for (VolumeRecord volume : state.getVolumesList()) {
            if (volume.getReplicasList().contains(raft.nodeId())) {
                wanted.add(volume.getId());
                List<Peer> peers = peers(state, volume);
                raft.ensureVolumeGroup(new VolumeLayout(volume.getId(), volume.getSizeBytes(), volume.getBlockSize()), peers);
                syncMembers(volume, peers);
                followAttachment(volume);
            }
        }
        if (raft.clusterLeader().filter(raft.nodeId()::equals).isPresent()) {
            long now = clock.millis();
            if (leadingSinceMs < 0) {
                leadingSinceMs = now;
                LOG.info("leading the cluster group: replicas are repaired once this node has watched heartbeats for {} s",
                        repairAfterMs / 1000);
            }
            // Heartbeat ages in the cluster state only mean something while a leader was there to
            // record them: after the whole cluster was down (or without a majority), every node
            // looks silent for as long as the outage lasted, and the first nodes back would
            // "repair" the others away. A new leader watches for repair-after before it replaces
            // anything. Found by jepsen/ (crash-all), see docs/jepsen.md.
            if (now - leadingSinceMs >= repairAfterMs) {
                repair(state);
            }
        } else {
            leadingSinceMs = -1;
        }
        for (long local : raft.volumeGroups()) {
            // Only drop a replica the cluster state has seen created and no longer lists here: a
            // state still catching up after a restart must not make us delete data.
            if (!wanted.contains(local) && local < state.getNextVolumeId()) {
                LOG.info("volume {} is no longer replicated on {}: removing the local replica", local, raft.nodeId());
                raft.removeVolumeGroup(local);
            }
        }
    }

    private boolean registered() {
        return registeredAt != NOT_REGISTERED;
    }

    private void register() {
        NodeRecord record = self.get();
        registeredAt = raft.cluster().submitAndSeeIndex(ClusterCommand.newBuilder().setNowMs(clock.millis())
                .setRegisterNode(RegisterNode.newBuilder().setNode(record)).build(), SEE_REGISTRATION_MS);
        LOG.info("node {} registered with the cluster", record.getId());
        poke();
    }

    /**
     * On the cluster group's leader only: every volume with a replica on a node silent for longer
     * than repair-after gets a new replica set from placement; the volume's primary then changes the
     * group's membership and the new replica catches up from a snapshot plus the log.
     */
    private void repair(ClusterSnapshot state) {
        long now = clock.millis();
        var nodes = dev.cairn.ratis.cluster.PlacementAdapter.nodes(state, now, repairAfterMs);
        for (VolumeRecord volume : state.getVolumesList()) {
            var result = dev.cairn.placement.Placement.repair(nodes, volume.getReplicasList(), volume.getSizeBytes());
            if (result instanceof dev.cairn.placement.RepairResult.Replace replace && repairsInFlight.add(volume.getId())) {
                LOG.info("volume {}: replacing lost replica(s) {} with {}", volume.getName(), replace.removed(), replace.added());
                raft.cluster().submit(ClusterCommand.newBuilder().setNowMs(now).setSetReplicaSet(SetReplicaSet.newBuilder()
                        .setName(volume.getName()).addAllReplicas(replace.replicaSet())
                        .setReason("replica(s) " + replace.removed() + " down for more than " + repairAfterMs / 1000 + " s")
                        .setExpectedGeneration(volume.getReplicaGeneration())).build())
                        .whenComplete((r, e) -> {
                            repairsInFlight.remove(volume.getId());
                            if (e != null) {
                                LOG.warn("volume {}: repair not committed: {}", volume.getName(), e.getMessage());
                            } else if (!r.getMessage().isEmpty()) {
                                LOG.info("volume {}: repair refused: {}", volume.getName(), r.getMessage());
                            }
                        });
            }
        }
    }

    static List<Peer> peers(ClusterSnapshot state, VolumeRecord volume) {
        List<Peer> peers = new ArrayList<>();
        String attachedTo = volume.hasAttachment() ? volume.getAttachment().getHost() : "";
        for (String id : volume.getReplicasList()) {
            Optional<NodeRecord> node = ClusterView.node(state, id);
            node.ifPresent(n -> peers.add(new Peer(n.getId(), n.getRaftAddress(), n.getId().equals(attachedTo) ? 2 : 1)));
        }
        return peers;
    }

    /**
     * On the primary: make the group's Raft membership (and leader priorities) what the cluster
     * group decided, e.g. after a repair replaced a lost replica or an attachment moved.
     */
    private void syncMembers(VolumeRecord volume, List<Peer> wanted) {
        Optional<VolumeReplica> found = raft.replica(volume.getId());
        if (found.isEmpty() || !found.get().isPrimary() || wanted.size() != volume.getReplicasCount()) {
            return;
        }
        List<Peer> sorted = wanted.stream().sorted(java.util.Comparator.comparing(Peer::id)).toList();
        if (sorted.equals(found.get().members())) {
            return;
        }
        long id = volume.getId();
        if (membershipInFlight.add(id)) {
            LOG.info("volume {}: changing members {} -> {}", volume.getName(), found.get().members(), sorted);
            found.get().setMembers(sorted).whenComplete((v, e) -> {
                membershipInFlight.remove(id);
                if (e != null) {
                    LOG.info("volume {}: membership change not done yet: {}", volume.getName(), e.getMessage());
                }
                poke();
            });
        }
    }

    /**
     * Attachments: whichever replica is primary records a newer attachment epoch in the volume's
     * log at once (fencing the previous holder), then hands the leadership to the attached host if
     * it holds a replica (primary locality; the host's higher Raft priority would get it there
     * too, but only after an election).
     */
    private void followAttachment(VolumeRecord volume) {
        if (!volume.hasAttachment()) {
            return;
        }
        Optional<VolumeReplica> found = raft.replica(volume.getId());
        if (found.isEmpty()) {
            return;
        }
        VolumeReplica replica = found.get();
        long id = volume.getId();
        String host = volume.getAttachment().getHost();
        long epoch = volume.getAttachment().getEpoch();
        if (replica.isPrimary() && replica.meta().epoch() < epoch && epochsInFlight.add(id)) {
            replica.setEpoch(epoch, host).whenComplete((v, e) -> {
                epochsInFlight.remove(id);
                if (e != null) {
                    LOG.warn("volume {}: recording attachment epoch {} failed: {}", volume.getName(), epoch, e.getMessage());
                }
                poke();
            });
        }
        // Only the leader can hand its leadership over (Ratis refuses a transfer asked of a
        // follower), and only once the new epoch is in the log, so the new host serves at once.
        // A failed transfer (the host is down or behind) is retried a second later, not in a loop.
        if (replica.isPrimary() && !host.equals(raft.nodeId()) && volume.getReplicasList().contains(host)
                && replica.meta().epoch() >= epoch && clock.millis() >= nextTransfer.getOrDefault(id, 0L)
                && transfersInFlight.add(id)) {
            replica.transferLeadership(host, 3000).whenComplete((v, e) -> {
                transfersInFlight.remove(id);
                if (e != null) {
                    nextTransfer.put(id, clock.millis() + 1000);
                    Long logged = transferFailureLogged.put(id, epoch);
                    if (logged == null || logged != epoch) {
                        LOG.info("volume {}: leadership not handed to {} yet (retrying every second): {}",
                                volume.getName(), host, e.getMessage());
                    }
                } else {
                    nextTransfer.remove(id);
                    transferFailureLogged.remove(id);
                    LOG.info("volume {}: leadership handed to {}, its attached host", volume.getName(), host);
                }
            });
        }
    }

    private void heartbeat() {
        try {
            if (!registered()) {
                return;
            }
            Heartbeat.Builder hb = Heartbeat.newBuilder().setNodeId(raft.nodeId()).setUsedBytes(usedBytes.get());
            for (long id : raft.volumeGroups()) {
                raft.replica(id).ifPresent(r -> {
                    hb.putAppliedIndex(id, r.appliedIndex());
                    if (r.isPrimary()) {
                        hb.addLeading(id);
                    }
                });
            }
            raft.cluster().submit(ClusterCommand.newBuilder().setNowMs(clock.millis()).setHeartbeat(hb).build())
                    .whenComplete((r, e) -> {
                        if (e != null) {
                            LOG.debug("heartbeat not committed: {}", e.getMessage());
                        }
                    });
        } catch (RuntimeException e) {
            LOG.debug("heartbeat failed", e);
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
