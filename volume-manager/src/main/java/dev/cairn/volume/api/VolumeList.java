package dev.cairn.volume.api;

import java.util.List;

/** {@code GET /v1/volumes}. */
public record VolumeList(List<VolumeInfo> volumes) {
}
