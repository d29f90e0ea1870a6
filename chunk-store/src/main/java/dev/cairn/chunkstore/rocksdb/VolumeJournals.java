package dev.cairn.chunkstore.rocksdb;

import dev.cairn.chunkstore.ChunkStoreException;
import dev.cairn.chunkstore.journal.Journal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/** The volumes' journals, one directory each under {@code root}, opened on first use. */
final class VolumeJournals implements AutoCloseable {
    private final Path root;
    private final long segmentBytes;
    private final ConcurrentHashMap<Long, Journal> open = new ConcurrentHashMap<>();

    VolumeJournals(Path root, long segmentBytes) {
        this.root = root;
        this.segmentBytes = segmentBytes;
    }

    private Path dir(long volumeId) {
        return root.resolve(Long.toString(volumeId));
    }

    /** The volume's journal, created if it has none. */
    Journal create(long volumeId) {
        return open.computeIfAbsent(volumeId, id -> Journal.open(dir(id), segmentBytes));
    }

    /** The volume's journal, or null if it never had one. */
    Journal find(long volumeId) {
        Journal j = open.get(volumeId);
        if (j != null || !Files.isDirectory(dir(volumeId))) {
            return j;
        }
        return create(volumeId);
    }

    /** Every journal held open (for sync). */
    Iterable<Journal> all() {
        return open.values();
    }

    /** Closes and deletes a volume's journal. */
    void delete(long volumeId) {
        Journal j = open.remove(volumeId);
        if (j != null) {
            j.close();
        }
        Path dir = dir(volumeId);
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new ChunkStoreException("cannot delete the journal of volume " + volumeId + " in " + dir + ": "
                    + e.getMessage() + "; delete the directory by hand", e);
        }
    }

    @Override
    public void close() {
        open.values().forEach(Journal::close);
        open.clear();
    }
}
