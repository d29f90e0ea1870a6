package dev.cairn.ratis.cluster;

import dev.cairn.placement.Liveness;
import dev.cairn.placement.NodeInfo;
import dev.cairn.placement.Placement;
import dev.cairn.placement.PlacementResult;
import dev.cairn.ratis.proto.ClusterSnapshot;
import dev.cairn.ratis.proto.CreateVolume;
import dev.cairn.ratis.proto.NodeRecord;
import dev.cairn.ratis.proto.VolumeRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Adapts the cluster state to the placement module. A node's free space is its capacity minus the
 * full size of every volume it holds a replica of (thin volumes may grow to their size), so the
 * answer depends on the state alone and every replica of the cluster group computes the same one.
 */
public final class PlacementAdapter implements ReplicaPlacer {
    private final long nodeDownAfterMs;

    PlacementAdapter(long nodeDownAfterMs) {
        this.nodeDownAfterMs = nodeDownAfterMs;
    }

    @Override
    public List<String> place(ClusterSnapshot state, CreateVolume cmd, long nowMs) throws UnplaceableException {
        PlacementResult result = Placement.newVolume(nodes(state, nowMs, nodeDownAfterMs), cmd.getRequester(), cmd.getSizeBytes(),
                cmd.getReplicas());
        return switch (result) {
            case PlacementResult.Placed placed -> placed.nodes();
            case PlacementResult.Unplaceable u -> throw new UnplaceableException(u.reason(), u.hint());
        };
    }

    /** Placement's view of the nodes at {@code nowMs}; a node is DOWN after {@code downAfterMs} of silence. */
    public static List<NodeInfo> nodes(ClusterSnapshot state, long nowMs, long downAfterMs) {
        Map<String, Long> committed = new HashMap<>();
        for (VolumeRecord v : state.getVolumesList()) {
            for (String node : v.getReplicasList()) {
                committed.merge(node, v.getSizeBytes(), Long::sum);
            }
        }
        Instant now = Instant.ofEpochMilli(nowMs);
        return state.getNodesList().stream().map((NodeRecord n) -> new NodeInfo(n.getId(), n.getZone().isEmpty() ? "default" : n.getZone(),
                Liveness.of(Instant.ofEpochMilli(n.getLastHeartbeatMs()), now, Duration.ofMillis(downAfterMs / 2), Duration.ofMillis(downAfterMs)),
                n.getCapacityBytes(), committed.getOrDefault(n.getId(), 0L), false)).toList();
    }
}
