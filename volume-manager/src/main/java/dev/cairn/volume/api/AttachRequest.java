package dev.cairn.volume.api;

/**
 * {@code POST /v1/volumes/{name}/attach}: attach to node {@code host} (a node id). {@code force}
 * takes the volume from a live holder, fencing it (its writes are refused from then on).
 */
public record AttachRequest(String host, boolean force) {
}
