package dev.cairn.volume.api;

import java.util.List;

/** {@code GET /v1/cluster}: the nodes, the cluster group's leader and the volumes' health. */
public record ClusterStatus(String clusterId, String leader, List<NodeStatus> nodes, List<VolumeSummary> volumes) {

    /** One node as the cluster group knows it. */
    public record NodeStatus(String id, String address, String adminUrl, String nbdAddress, String zone,
                             String liveness, boolean voting, long capacityBytes, long usedBytes,
                             String lastHeartbeat) {
    }

    /** One volume's health in a line. */
    public record VolumeSummary(String name, String state, String primary, int replicas, int liveReplicas,
                                String progress) {
    }
}
