package dev.cairn.plugin;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The plugin's record of what it has mounted on this host, kept in one JSON file that is replaced
 * atomically (write, fsync, rename, fsync the directory) on every change, so that a plugin restart
 * or a host crash never loses a mount or its references.
 *
 * <p>Docker's Mount IDs are not unique per mount ({@code docker cp} re-sends the running container's
 * ID, restarts re-send IDs that were never unmounted), so references are counted per ID.
 */
final class MountTable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One mounted volume.
     *
     * @param refs        Mount ID → how many Mounts with that ID are not yet unmounted
     * @param device      the block device the filesystem is on (/dev/loopN or /dev/nbdN)
     * @param fuseDir     the nbdfuse mount point when the device is a loop over nbdfuse, else ""
     * @param mountpoint  where the filesystem is mounted (what Docker binds into containers)
     * @param lastMountMs when the last Mount arrived (reconciliation leaves young entries alone)
     */
    record Entry(String volume, Map<String, Integer> refs, String device, String fuseDir, String mountpoint,
                 long epoch, long lastMountMs) {
        Entry {
            refs = new TreeMap<>(refs);
        }

        int total() {
            return refs.values().stream().mapToInt(Integer::intValue).sum();
        }

        Entry withRef(String id, long nowMs) {
            Map<String, Integer> r = new TreeMap<>(refs);
            r.merge(id, 1, Integer::sum);
            return new Entry(volume, r, device, fuseDir, mountpoint, epoch, nowMs);
        }

        /** One reference of {@code id} fewer; unchanged if the ID holds none. */
        Entry withoutRef(String id) {
            Map<String, Integer> r = new TreeMap<>(refs);
            r.computeIfPresent(id, (k, n) -> n > 1 ? n - 1 : null);
            return new Entry(volume, r, device, fuseDir, mountpoint, epoch, lastMountMs);
        }

        Entry withoutRefs() {
            return new Entry(volume, Map.of(), device, fuseDir, mountpoint, epoch, lastMountMs);
        }
    }

    private final Path file;
    private final Map<String, Entry> entries = new LinkedHashMap<>();

    MountTable(Path file) {
        this.file = file;
        if (Files.exists(file)) {
            try {
                Map<String, Entry> loaded = JSON.readValue(file.toFile(), new TypeReference<Map<String, Entry>>() { });
                entries.putAll(loaded);
            } catch (IOException e) {
                throw new IllegalStateException("cannot read the plugin's mount table " + file + ": " + e.getMessage()
                        + "; it records what is mounted on this host: fix or move it aside (then check `findmnt` for"
                        + " mounts under the plugin's directory) before starting the plugin", e);
            }
        }
    }

    synchronized Optional<Entry> get(String volume) {
        return Optional.ofNullable(entries.get(volume));
    }

    synchronized Map<String, Entry> all() {
        return Map.copyOf(entries);
    }

    synchronized void put(Entry entry) {
        entries.put(entry.volume(), entry);
        save();
    }

    synchronized void remove(String volume) {
        if (entries.remove(volume) != null) {
            save();
        }
    }

    private void save() {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.createDirectories(file.getParent());
            byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(entries);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap(bytes));
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
                dir.force(true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the plugin's mount table " + file + ": " + e.getMessage(), e);
        }
    }
}
