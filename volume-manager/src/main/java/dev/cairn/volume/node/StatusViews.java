package dev.cairn.volume.node;

import dev.cairn.ratis.Peer;
import dev.cairn.ratis.RaftHost;
import dev.cairn.ratis.VolumeReplica;
import dev.cairn.ratis.cluster.ClusterView;
import dev.cairn.ratis.proto.ClusterSnapshot;
import dev.cairn.ratis.proto.NodeProgress;
import dev.cairn.ratis.proto.NodeRecord;
import dev.cairn.ratis.proto.VolumeRecord;
import dev.cairn.volume.api.ClusterStatus;
import dev.cairn.volume.api.VolumeInfo;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** Builds the admin API's views of volumes and of the cluster from the cluster state. */
final class StatusViews {
    /** A replica within this many entries of the primary counts as caught up. */
    static final long CAUGHT_UP_SLACK = 1000;

    private final RaftHost raft;
    private final Clock clock;
    private final Duration downAfter;

    StatusViews(RaftHost raft, Clock clock, Duration downAfter) {
        this.raft = raft;
        this.clock = clock;
        this.downAfter = downAfter;
    }

    String liveness(NodeRecord node) {
        long age = clock.millis() - node.getLastHeartbeatMs();
        if (age >= downAfter.toMillis()) {
            return "down";
        }
        return age >= downAfter.toMillis() / 2 ? "suspect" : "up";
    }

    boolean up(ClusterSnapshot state, String nodeId) {
        return ClusterView.node(state, nodeId).map(n -> !liveness(n).equals("down")).orElse(false);
    }

    Optional<String> primary(ClusterSnapshot state, VolumeRecord volume) {
        Optional<VolumeReplica> local = raft.replica(volume.getId());
        if (local.isPresent() && local.get().primary().isPresent()) {
            return local.get().primary();
        }
        String reported = state.getProgressOrDefault(volume.getId(), NodeProgress.getDefaultInstance()).getLeader();
        return reported.isEmpty() ? Optional.empty() : Optional.of(reported);
    }

    VolumeInfo volume(ClusterSnapshot state, VolumeRecord volume) {
        NodeProgress progress = state.getProgressOrDefault(volume.getId(), NodeProgress.getDefaultInstance());
        Optional<String> primary = primary(state, volume);
        long primaryIndex = primary.map(p -> progress.getAppliedByNodeOrDefault(p, 0L)).orElse(0L);
        Optional<VolumeReplica> local = raft.replica(volume.getId());
        if (local.isPresent() && local.get().isPrimary()) {
            primaryIndex = local.get().appliedIndex();
        }
        List<VolumeInfo.ReplicaInfo> replicas = new ArrayList<>();
        int live = 0;
        boolean lagging = false;
        for (String node : volume.getReplicasList()) {
            boolean up = up(state, node);
            long applied = progress.getAppliedByNodeOrDefault(node, 0L);
            if (node.equals(raft.nodeId()) && local.isPresent()) {
                applied = local.get().appliedIndex();
            }
            String role = primary.map(p -> p.equals(node)).orElse(false) ? "primary" : "replica";
            String catchUp;
            if (role.equals("primary")) {
                catchUp = "serving";
            } else if (primaryIndex - applied <= CAUGHT_UP_SLACK) {
                catchUp = "caught up";
            } else {
                lagging = true;
                catchUp = String.format("catching up: %d of %d entries (%d%%)", applied, primaryIndex,
                        primaryIndex == 0 ? 0 : applied * 100 / primaryIndex);
            }
            if (up) {
                live++;
            }
            replicas.add(new VolumeInfo.ReplicaInfo(node, role, up, applied, up ? catchUp : "down"));
        }
        String health = live < volume.getReplicasWanted() ? "degraded" : lagging ? "rebuilding" : "healthy";
        VolumeInfo.AttachmentInfo attachment = volume.hasAttachment()
                ? new VolumeInfo.AttachmentInfo(volume.getAttachment().getHost(), volume.getAttachment().getEpoch(),
                        Instant.ofEpochMilli(volume.getAttachment().getSinceMs()).toString())
                : null;
        // Where a client should connect: a volume attached to a replica host is exported there and
        // nowhere else (LocalExports), even while the Raft leadership is still on its way to it.
        Optional<String> server = LocalExports.attachedReplicaHost(volume).or(() -> primary);
        String nbd = server.flatMap(p -> ClusterView.node(state, p))
                .map(n -> "nbd://" + n.getNbdAddress() + "/" + volume.getName()).orElse(null);
        return new VolumeInfo(volume.getName(), volume.getId(), volume.getSizeBytes(), volume.getBlockSize(),
                volume.getReplicasWanted(), health, primary.orElse(null), replicas, attachment, nbd,
                Instant.ofEpochMilli(volume.getCreatedMs()).toString(),
                volume.getFilesystem().isEmpty() ? null : volume.getFilesystem());
    }

    ClusterStatus cluster(ClusterSnapshot state) {
        Set<String> voters = raft.clusterMembers().stream().map(Peer::id).collect(Collectors.toSet());
        List<ClusterStatus.NodeStatus> nodes = state.getNodesList().stream()
                .map(n -> new ClusterStatus.NodeStatus(n.getId(), n.getRaftAddress(), "http://" + n.getAdminAddress(),
                        n.getNbdAddress(), n.getZone(), liveness(n), voters.contains(n.getId()), n.getCapacityBytes(),
                        n.getUsedBytes(), Instant.ofEpochMilli(n.getLastHeartbeatMs()).toString()))
                .toList();
        List<ClusterStatus.VolumeSummary> volumes = state.getVolumesList().stream().map(v -> {
            VolumeInfo info = volume(state, v);
            int live = (int) info.replicaSet().stream().filter(VolumeInfo.ReplicaInfo::up).count();
            String progress = info.replicaSet().stream().map(VolumeInfo.ReplicaInfo::progress)
                    .filter(p -> p.startsWith("catching up")).findFirst().orElse("");
            return new ClusterStatus.VolumeSummary(v.getName(), info.state(), info.primary(), v.getReplicasWanted(), live, progress);
        }).toList();
        return new ClusterStatus(state.getClusterId(), raft.clusterLeader().orElse(null), nodes, volumes);
    }
}
