package dev.cairn.ratis;

import dev.cairn.ratis.volume.VolumeLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The layout of each volume this node replicates, kept beside the Raft storage so that a restarted
 * node can rebuild a volume's state machine before it has heard from the cluster group.
 */
final class LocalLayouts {
    private final Path dir;

    LocalLayouts(Path dir) {
        this.dir = dir;
    }

    void save(VolumeLayout layout) {
        try {
            Files.createDirectories(dir);
            Path tmp = dir.resolve(layout.volumeId() + ".tmp");
            Files.writeString(tmp, layout.sizeBytes() + " " + layout.blockSize() + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, file(layout.volumeId()), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record the layout of volume " + layout.volumeId() + " in " + dir, e);
        }
    }

    VolumeLayout load(long volumeId) {
        Path file = file(volumeId);
        try {
            String[] parts = Files.readString(file, StandardCharsets.UTF_8).trim().split(" ");
            return new VolumeLayout(volumeId, Long.parseLong(parts[0]), Integer.parseInt(parts[1]));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("the layout of volume " + volumeId + " (" + file + ") is missing or damaged", e);
        }
    }

    void delete(long volumeId) {
        try {
            Files.deleteIfExists(file(volumeId));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path file(long volumeId) {
        return dir.resolve(volumeId + ".layout");
    }
}
