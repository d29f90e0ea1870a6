package dev.cairn.ratis.cluster;

import dev.cairn.ratis.proto.ClusterError;
import dev.cairn.ratis.proto.ClusterSnapshot;
import dev.cairn.ratis.proto.Heartbeat;
import dev.cairn.ratis.proto.InitCluster;
import dev.cairn.ratis.proto.NodeProgress;
import dev.cairn.ratis.proto.NodeRecord;
import dev.cairn.ratis.proto.RegisterNode;
import dev.cairn.ratis.proto.RemoveNode;
import java.util.Map;

/** Cluster identity and membership: init, register, heartbeat, remove. */
final class NodeCommands {
    private NodeCommands() {
    }

    static Outcome init(ClusterSnapshot state, InitCluster cmd) {
        if (ClusterView.initialized(state)) {
            if (state.getClusterId().equals(cmd.getClusterId())) {
                return Outcome.ok(state);
            }
            return Outcome.refuse(state, ClusterError.CONFLICT, "the cluster is already initialized as " + state.getClusterId(), null);
        }
        if (cmd.getClusterId().isEmpty() || cmd.getTokenSha256().length() != 64) {
            return Outcome.refuse(state, ClusterError.INVALID, "init needs a cluster id and a SHA-256 token hash", null);
        }
        return Outcome.ok(state.toBuilder().setClusterId(cmd.getClusterId()).setTokenSha256(cmd.getTokenSha256()).build());
    }

    static Outcome register(ClusterSnapshot state, RegisterNode cmd, long nowMs) {
        NodeRecord node = cmd.getNode();
        if (node.getId().isEmpty() || node.getRaftAddress().isEmpty()) {
            return Outcome.refuse(state, ClusterError.INVALID, "a node needs an id and a raft address", null);
        }
        int i = ClusterView.nodeIndex(state, node.getId());
        ClusterSnapshot.Builder next = state.toBuilder();
        if (i < 0) {
            next.addNodes(node.toBuilder().setRegisteredMs(nowMs).setLastHeartbeatMs(nowMs));
        } else {
            // A restarted node re-registers: its addresses may have changed, its history stays.
            NodeRecord old = state.getNodes(i);
            next.setNodes(i, node.toBuilder().setRegisteredMs(old.getRegisteredMs()).setLastHeartbeatMs(nowMs));
        }
        return Outcome.ok(next.build());
    }

    static Outcome heartbeat(ClusterSnapshot state, Heartbeat cmd, long nowMs) {
        int i = ClusterView.nodeIndex(state, cmd.getNodeId());
        if (i < 0) {
            return Outcome.refuse(state, ClusterError.NOT_FOUND, "node " + cmd.getNodeId() + " is not registered", "restart the node so it registers");
        }
        ClusterSnapshot.Builder next = state.toBuilder();
        next.setNodes(i, state.getNodes(i).toBuilder().setLastHeartbeatMs(nowMs).setUsedBytes(cmd.getUsedBytes()));
        for (Map.Entry<Long, Long> e : cmd.getAppliedIndexMap().entrySet()) {
            NodeProgress progress = next.getProgressOrDefault(e.getKey(), NodeProgress.getDefaultInstance());
            NodeProgress.Builder updated = progress.toBuilder().putAppliedByNode(cmd.getNodeId(), e.getValue());
            if (cmd.getLeadingList().contains(e.getKey())) {
                updated.setLeader(cmd.getNodeId());
            } else if (progress.getLeader().equals(cmd.getNodeId())) {
                updated.setLeader("");
            }
            next.putProgress(e.getKey(), updated.build());
        }
        return Outcome.ok(next.build());
    }

    static Outcome remove(ClusterSnapshot state, RemoveNode cmd) {
        int i = ClusterView.nodeIndex(state, cmd.getNodeId());
        if (i < 0) {
            return Outcome.refuse(state, ClusterError.NOT_FOUND, "no node " + cmd.getNodeId(), null);
        }
        boolean holdsReplica = state.getVolumesList().stream().anyMatch(v -> v.getReplicasList().contains(cmd.getNodeId()));
        if (holdsReplica) {
            return Outcome.refuse(state, ClusterError.CONFLICT, "node " + cmd.getNodeId() + " still holds replicas",
                    "wait until its volumes are re-replicated elsewhere");
        }
        return Outcome.ok(state.toBuilder().removeNodes(i).build());
    }
}
