package dev.cairn.ratis.cluster;

import dev.cairn.ratis.proto.ClusterSnapshot;
import dev.cairn.ratis.proto.CreateVolume;
import dev.cairn.ratis.proto.NodeRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Adapts the cluster state to the placement module's decisions. */
final class PlacementAdapter implements ReplicaPlacer {
    private final long nodeDownAfterMs;

    PlacementAdapter(long nodeDownAfterMs) {
        this.nodeDownAfterMs = nodeDownAfterMs;
    }

    @Override
    public List<String> place(ClusterSnapshot state, CreateVolume cmd, long nowMs) throws UnplaceableException {
        // PLACEHOLDER until the placement module is merged: requester first, then least used.
        List<NodeRecord> live = new ArrayList<>(state.getNodesList().stream()
                .filter(n -> nowMs - n.getLastHeartbeatMs() < nodeDownAfterMs).toList());
        live.sort(Comparator.comparing((NodeRecord n) -> !n.getId().equals(cmd.getRequester()))
                .thenComparingLong(NodeRecord::getUsedBytes).thenComparing(NodeRecord::getId));
        if (live.size() < cmd.getReplicas()) {
            throw new UnplaceableException("replicas=" + cmd.getReplicas() + " but only " + live.size() + " nodes are up",
                    "add nodes or lower --replicas");
        }
        return live.subList(0, cmd.getReplicas()).stream().map(NodeRecord::getId).toList();
    }
}
