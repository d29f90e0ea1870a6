package dev.cairn.ratis.volume;

import dev.cairn.chunkstore.AppliedIndex;
import dev.cairn.chunkstore.ChunkStore;
import dev.cairn.chunkstore.VolumeBatch;
import dev.cairn.chunkstore.VolumeExport;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A volume's snapshots: a chunk-store export of the volume taken at a log index, kept as a single
 * file in the group's state machine directory where Ratis can send it to a lagging replica.
 */
final class VolumeSnapshots {
    private static final Logger LOG = LoggerFactory.getLogger(VolumeSnapshots.class);
    private static final SnapshotRetentionPolicy KEEP_TWO = new SnapshotRetentionPolicy() {
        @Override
        public int getNumSnapshotsRetained() {
            return 2;
        }
    };

    private final long volumeId;
    private final ChunkStore store;
    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    /** The newest snapshot as of the last directory read or the last one taken here; null: none. */
    private volatile SingleFileSnapshotInfo latest;

    VolumeSnapshots(long volumeId, ChunkStore store) {
        this.volumeId = volumeId;
        this.store = store;
    }

    void init(RaftStorage raftStorage) throws IOException {
        storage.init(raftStorage);
        latest = storage.loadLatestSnapshot();
    }

    SimpleStateMachineStorage storage() {
        return storage;
    }

    /**
     * The newest snapshot, without touching the disk. Ratis asks on every append, on the leader
     * (its log appenders) and on every follower (appendEntries), and its storage caches a snapshot
     * only once there is one: until a volume's first snapshot, every call listed the state
     * machine directory (open, readdir, a file name match per entry), about 6 % of each node's CPU
     * under 4k writes (docs/benchmarks.md, eleventh round). The directory changes only through
     * {@link #take} and through a snapshot installed from the leader, after which Ratis calls
     * reinitialize, which reads it again ({@link #catchUpFromLatest}) before asking for it.
     */
    SingleFileSnapshotInfo latest() {
        return latest;
    }

    /**
     * Brings the store up to the newest snapshot in the directory if the store is behind it (a
     * snapshot installed from the leader), and returns where the store now is.
     */
    AppliedIndex catchUpFromLatest() throws IOException {
        AppliedIndex applied = store.appliedIndex(volumeId);
        SingleFileSnapshotInfo snapshot = storage.loadLatestSnapshot();
        latest = snapshot;
        if (snapshot == null || snapshot.getIndex() <= applied.index()) {
            return applied;
        }
        File file = snapshot.getFile().getPath().toFile();
        if (snapshot.hasMd5()) {
            MD5FileUtil.verifySavedMD5(file, snapshot.getFile().getFileDigest());
        }
        LOG.info("volume {}: installing snapshot {} ({} bytes) over applied index {}",
                volumeId, snapshot.getTermIndex(), file.length(), applied.index());
        AppliedIndex imported = store.importVolume(volumeId, file.toPath());
        store.sync();
        return imported;
    }

    /** Takes a snapshot at {@code last} (the last applied entry) unless one exists there already. */
    long take(TermIndex last) throws IOException {
        SingleFileSnapshotInfo previous = latest;
        if (last.getIndex() < 0 || (previous != null && previous.getIndex() >= last.getIndex())) {
            return previous == null ? -1 : previous.getIndex();
        }
        // Entries after the last block write (configuration changes, refused commands) leave the
        // store's own index behind; record the index reached so the export names it exactly.
        AppliedIndex at = new AppliedIndex(last.getTerm(), last.getIndex());
        if (store.appliedIndex(volumeId).index() < at.index()) {
            store.apply(new VolumeBatch(volumeId, at));
        }
        store.sync();
        File target = storage.getSnapshotFile(last.getTerm(), last.getIndex());
        Path tmp = target.toPath().resolveSibling(target.getName() + ".exporting");
        Files.deleteIfExists(tmp);
        long started = System.nanoTime();
        VolumeExport export = store.exportVolume(volumeId, tmp);
        Files.move(tmp, target.toPath(), StandardCopyOption.ATOMIC_MOVE);
        MD5Hash md5 = MD5FileUtil.computeAndSaveMd5ForFile(target);
        SingleFileSnapshotInfo taken = new SingleFileSnapshotInfo(new FileInfo(target.toPath(), md5), last);
        storage.updateLatestSnapshot(taken);
        latest = taken;
        storage.cleanupOldSnapshots(KEEP_TWO);
        LOG.info("volume {}: snapshot at {} ({} blocks, {} bytes) in {} ms", volumeId, last, export.blocks(),
                export.bytes(), (System.nanoTime() - started) / 1_000_000);
        return last.getIndex();
    }
}
