package dev.cairn.placement;

import java.util.Objects;

/**
 * What placement knows of a node.
 *
 * @param capacityBytes bytes the node offers to volumes
 * @param usedBytes     bytes its replicas occupy now
 * @param cordoned      an operator asked that it get no new replicas
 */
public record NodeInfo(String id, String zone, Liveness liveness, long capacityBytes, long usedBytes, boolean cordoned) {

    public NodeInfo {
        Objects.requireNonNull(id);
        Objects.requireNonNull(zone);
        Objects.requireNonNull(liveness);
    }

    public long freeBytes() {
        return Math.max(0, capacityBytes - usedBytes);
    }

    /** Can take a new replica of {@code sizeBytes} (thin volumes: the full size is reserved). */
    boolean canHost(long sizeBytes) {
        return liveness == Liveness.UP && !cordoned && freeBytes() >= sizeBytes;
    }
}
