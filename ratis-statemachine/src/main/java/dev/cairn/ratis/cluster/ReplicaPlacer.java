package dev.cairn.ratis.cluster;

import dev.cairn.ratis.proto.ClusterSnapshot;
import dev.cairn.ratis.proto.CreateVolume;
import java.util.List;

/**
 * Chooses the nodes of a new volume's replicas from the cluster state. Must be deterministic:
 * every replica of the cluster group runs it while applying the same command.
 */
interface ReplicaPlacer {

    /** The replica nodes, the requester's first when it can hold one. */
    List<String> place(ClusterSnapshot state, CreateVolume cmd, long nowMs) throws UnplaceableException;

    /** No placement satisfies the request; the message says why and what to change. */
    final class UnplaceableException extends Exception {
        private final String hint;

        UnplaceableException(String message, String hint) {
            super(message);
            this.hint = hint;
        }

        String hint() {
            return hint;
        }
    }
}
