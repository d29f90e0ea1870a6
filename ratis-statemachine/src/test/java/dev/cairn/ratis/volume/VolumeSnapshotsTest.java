package dev.cairn.ratis.volume;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.cairn.chunkstore.AppliedIndex;
import dev.cairn.chunkstore.VolumeBatch;
import dev.cairn.chunkstore.rocksdb.RocksChunkStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.SizeInBytes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A volume's snapshots as Ratis sees them: {@link VolumeSnapshots#latest} answers from memory (Ratis
 * asks on every append), and still knows every snapshot taken here, found on disk at start, or
 * installed from a leader.
 */
class VolumeSnapshotsTest {
    static final long VOLUME = 7;
    static final int BS = 4096;

    @TempDir
    Path dir;
    RocksChunkStore storeA;
    RocksChunkStore storeB;
    RaftStorage raftA;
    RaftStorage raftB;

    @AfterEach
    void close() throws IOException {
        for (AutoCloseable c : new AutoCloseable[] {raftA, raftB, storeA, storeB}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    throw new IOException(e);
                }
            }
        }
    }

    private static RaftStorage raftStorage(Path at) throws IOException {
        RaftStorage s = RaftStorage.newBuilder().setDirectory(at.toFile())
                .setOption(RaftStorage.StartupOption.RECOVER).setStorageFreeSpaceMin(SizeInBytes.ONE_MB).build();
        s.initialize();
        return s;
    }

    private static void writeBlock(RocksChunkStore store, long block, byte fill, long term, long index) {
        byte[] data = new byte[BS];
        Arrays.fill(data, fill);
        VolumeBatch batch = new VolumeBatch(VOLUME, new AppliedIndex(term, index));
        batch.put(block, ByteBuffer.wrap(data));
        store.apply(batch);
    }

    /** A replica's snapshots over its own store and Raft storage under {@code dir/name-*}. */
    private VolumeSnapshots replica(String name) throws IOException {
        RocksChunkStore store = RocksChunkStore.open(dir.resolve(name + "-db"));
        RaftStorage raft = raftStorage(dir.resolve(name + "-raft"));
        if (storeA == null) {
            storeA = store;
            raftA = raft;
        } else {
            storeB = store;
            raftB = raft;
        }
        VolumeSnapshots snapshots = new VolumeSnapshots(VOLUME, store);
        snapshots.init(raft);
        return snapshots;
    }

    private Path stateMachineDir(RaftStorage raft) {
        return raft.getStorageDir().getStateMachineDir().toPath();
    }

    @Test
    void withoutASnapshotLatestDoesNotReadTheDirectoryAgain() throws IOException {
        VolumeSnapshots snapshots = replica("a");
        assertNull(snapshots.latest(), "a new volume has no snapshot");

        // A file that only a directory listing would find. Ratis' own storage lists the directory
        // on every call while it knows no snapshot; VolumeSnapshots read it once, at init.
        Files.writeString(stateMachineDir(raftA).resolve("snapshot.1_5"), "not read");
        assertNull(snapshots.latest(), "latest() must not list the state machine directory per call");
        assertNotNull(snapshots.storage().getLatestSnapshot(), "Ratis' storage finds the file by listing");
    }

    @Test
    void aSnapshotTakenHereIsLatestAndIsFoundAgainAfterARestart() throws IOException {
        VolumeSnapshots snapshots = replica("a");
        writeBlock(storeA, 3, (byte) 9, 1, 5);

        assertEquals(5, snapshots.take(TermIndex.valueOf(1, 5)));
        SingleFileSnapshotInfo taken = snapshots.latest();
        assertNotNull(taken);
        assertEquals(TermIndex.valueOf(1, 5), taken.getTermIndex());
        assertEquals(5, snapshots.take(TermIndex.valueOf(1, 5)), "no second snapshot at the same index");

        VolumeSnapshots restarted = new VolumeSnapshots(VOLUME, storeA);
        restarted.init(raftA);
        assertEquals(TermIndex.valueOf(1, 5), restarted.latest().getTermIndex(), "read from the directory at start");
    }

    @Test
    void aSnapshotInstalledFromTheLeaderIsLatestAfterCatchUp() throws IOException {
        VolumeSnapshots leader = replica("a");
        writeBlock(storeA, 3, (byte) 9, 2, 40);
        leader.take(TermIndex.valueOf(2, 40));

        VolumeSnapshots follower = replica("b");
        assertNull(follower.latest());

        // What Ratis does when it installs the leader's snapshot: the files land in the state
        // machine directory, then reinitialize() runs catchUpFromLatest() before Ratis asks for it.
        Path file = leader.latest().getFile().getPath();
        Files.copy(file, stateMachineDir(raftB).resolve(file.getFileName()));
        Files.copy(file.resolveSibling(file.getFileName() + ".md5"), stateMachineDir(raftB).resolve(file.getFileName() + ".md5"));
        AppliedIndex caughtUp = follower.catchUpFromLatest();

        assertEquals(40, caughtUp.index());
        assertEquals(TermIndex.valueOf(2, 40), follower.latest().getTermIndex());
        ByteBuffer block = ByteBuffer.allocate(BS);
        storeB.read(VOLUME, 3, 1, block);
        byte[] expected = new byte[BS];
        Arrays.fill(expected, (byte) 9);
        assertArrayEquals(expected, block.array(), "the snapshot's blocks were imported");
    }
}
