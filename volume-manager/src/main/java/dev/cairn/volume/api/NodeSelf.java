package dev.cairn.volume.api;

/**
 * {@code GET /v1/node}: who answered, and the defaults this node gives volumes created without a
 * size or replica count (Docker's implicit and anonymous volumes).
 */
public record NodeSelf(String id, long defaultSizeBytes, int defaultReplicas) {
}
