package dev.cairn.chunkstore;

import java.nio.file.Path;

/** A volume copy written by {@link ChunkStore#exportVolume}: the file, its size and what it covers. */
public record VolumeExport(Path file, long bytes, long blocks, AppliedIndex appliedIndex) {
}
