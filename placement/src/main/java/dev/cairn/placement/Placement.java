package dev.cairn.placement;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** The placement decisions. Pure functions; see the package documentation. */
public final class Placement {
    private Placement() {
    }

    /**
     * Nodes for a new volume's replicas: the requesting node first when it can hold one, then the
     * others spread over zones first (a zone with fewer of this volume's replicas wins), then by
     * free capacity (most free first), then by id. Never two replicas on one node, never a node
     * that is not UP, is cordoned or lacks room for the whole size.
     */
    public static PlacementResult newVolume(List<NodeInfo> nodes, String requester, long sizeBytes, int replicas) {
        if (replicas < 1) {
            return new PlacementResult.Unplaceable("replicas must be at least 1, got " + replicas, null);
        }
        List<NodeInfo> eligible = nodes.stream().filter(n -> n.canHost(sizeBytes)).toList();
        if (eligible.size() < replicas) {
            return new PlacementResult.Unplaceable(explain(nodes, sizeBytes, replicas, eligible), hint(nodes, replicas));
        }
        List<NodeInfo> chosen = new ArrayList<>();
        eligible.stream().filter(n -> n.id().equals(requester)).findFirst().ifPresent(chosen::add);
        while (chosen.size() < replicas) {
            chosen.add(best(eligible, chosen));
        }
        return new PlacementResult.Placed(chosen.stream().map(NodeInfo::id).toList());
    }

    /**
     * Re-replication: every replica on a DOWN node is replaced by an eligible node that holds no
     * replica of the volume, chosen as in {@link #newVolume} against the surviving replicas' zones.
     * Replicas on SUSPECT nodes are kept: the caller decides when "down" has lasted long enough by
     * how it computes liveness.
     */
    public static RepairResult repair(List<NodeInfo> nodes, List<String> replicaSet, long sizeBytes) {
        Map<String, NodeInfo> byId = nodes.stream().collect(Collectors.toMap(NodeInfo::id, n -> n, (a, b) -> a));
        List<String> lost = replicaSet.stream()
                .filter(id -> Optional.ofNullable(byId.get(id)).map(n -> n.liveness() == Liveness.DOWN).orElse(true))
                .toList();
        if (lost.isEmpty()) {
            return new RepairResult.Healthy();
        }
        List<String> surviving = replicaSet.stream().filter(id -> !lost.contains(id)).toList();
        List<NodeInfo> kept = surviving.stream().map(byId::get).toList();
        Set<String> taken = new HashSet<>(replicaSet);
        List<NodeInfo> eligible = nodes.stream().filter(n -> n.canHost(sizeBytes) && !taken.contains(n.id())).toList();
        if (eligible.isEmpty()) {
            return new RepairResult.CannotRepair(lost, "no up node without a replica has " + sizeBytes
                    + " bytes free; the volume stays degraded until a node comes back or joins");
        }
        List<NodeInfo> added = new ArrayList<>();
        List<NodeInfo> placed = new ArrayList<>(kept);
        for (int i = 0; i < lost.size() && added.size() < eligible.size(); i++) {
            NodeInfo next = best(eligible, placed);
            added.add(next);
            placed.add(next);
        }
        List<String> addedIds = added.stream().map(NodeInfo::id).toList();
        List<String> newSet = new ArrayList<>(surviving);
        newSet.addAll(addedIds);
        List<String> removed = lost.subList(0, addedIds.size());
        List<String> stillLost = lost.subList(addedIds.size(), lost.size());
        newSet.addAll(stillLost);
        return new RepairResult.Replace(newSet, removed, addedIds);
    }

    /**
     * The primary for a volume attached to {@code host}: the host's own replica when it has an up
     * one (primary locality); otherwise the up replica that has applied the most (ties by id), served
     * to the host over the network.
     */
    public static Optional<PrimaryDecision> primaryFor(List<String> replicaSet, Map<String, Long> appliedIndex,
                                                       Set<String> upNodes, String host) {
        if (replicaSet.contains(host) && upNodes.contains(host)) {
            return Optional.of(new PrimaryDecision(host, true, host + " holds a replica: it becomes the primary"));
        }
        return replicaSet.stream().filter(upNodes::contains)
                .min(Comparator.comparing((String id) -> -appliedIndex.getOrDefault(id, -1L)).thenComparing(id -> id))
                .map(id -> new PrimaryDecision(id, false, host + (replicaSet.contains(host) ? "'s replica is down" : " holds no replica")
                        + ": " + id + " (most caught up) serves it over the network"));
    }

    /**
     * The best eligible node not in {@code placed}: fewest of the volume's replicas in its zone so
     * far, then most free bytes, then lowest id.
     */
    private static NodeInfo best(List<NodeInfo> eligible, List<NodeInfo> placed) {
        Map<String, Integer> perZone = new HashMap<>();
        for (NodeInfo n : placed) {
            perZone.merge(n.zone(), 1, Integer::sum);
        }
        Set<String> excluded = placed.stream().map(NodeInfo::id).collect(Collectors.toSet());
        return eligible.stream().filter(n -> !excluded.contains(n.id()))
                .min(Comparator.comparingInt((NodeInfo n) -> perZone.getOrDefault(n.zone(), 0))
                        .thenComparing(Comparator.comparingLong(NodeInfo::freeBytes).reversed())
                        .thenComparing(NodeInfo::id))
                .orElseThrow();
    }

    private static String explain(List<NodeInfo> nodes, long sizeBytes, int replicas, List<NodeInfo> eligible) {
        long up = nodes.stream().filter(n -> n.liveness() == Liveness.UP).count();
        String names = eligible.stream().map(NodeInfo::id).sorted().collect(Collectors.joining(", "));
        if (up < replicas) {
            return "replicas=" + replicas + " but only " + up + " of " + nodes.size() + " nodes are up"
                    + (names.isEmpty() ? "" : " and able to take it (" + names + ")");
        }
        return "replicas=" + replicas + " but only " + eligible.size() + " up, uncordoned nodes have " + sizeBytes
                + " bytes free" + (names.isEmpty() ? "" : " (" + names + ")");
    }

    private static String hint(List<NodeInfo> nodes, int replicas) {
        return nodes.size() < replicas ? "add nodes or lower --replicas" : "lower --replicas or --size, or free space on the nodes";
    }
}
