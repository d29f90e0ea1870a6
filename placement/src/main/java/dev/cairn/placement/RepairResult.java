package dev.cairn.placement;

import java.util.List;

/** The answer to "a replica's node is down: what now". */
public sealed interface RepairResult {

    /** Every replica's node is up (or merely suspect): leave the set alone. */
    record Healthy() implements RepairResult {
    }

    /**
     * Replace {@code removed} with {@code added}; {@code replicaSet} is the whole new set, surviving
     * replicas first in their old order.
     */
    record Replace(List<String> replicaSet, List<String> removed, List<String> added) implements RepairResult {
        public Replace {
            replicaSet = List.copyOf(replicaSet);
            removed = List.copyOf(removed);
            added = List.copyOf(added);
        }
    }

    /** Replicas are lost but no node can take them now; the volume stays degraded. */
    record CannotRepair(List<String> lost, String reason) implements RepairResult {
        public CannotRepair {
            lost = List.copyOf(lost);
        }
    }
}
