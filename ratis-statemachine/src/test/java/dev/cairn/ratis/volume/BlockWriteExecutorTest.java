package dev.cairn.ratis.volume;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import dev.cairn.chunkstore.AppliedIndex;
import dev.cairn.chunkstore.rocksdb.RocksChunkStore;
import dev.cairn.ratis.proto.Extent;
import dev.cairn.ratis.proto.VolumeError;
import dev.cairn.ratis.proto.VolumeReply;
import dev.cairn.ratis.proto.WriteBlocks;
import dev.cairn.ratis.proto.WriteExtents;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The apply of block writes against a real chunk store: {@code WriteExtents} (what primaries write
 * now) and {@code WriteBlocks} (what logs written before group commit still hold) must leave the
 * same bytes for the same writes, including unaligned ones that merge with earlier data.
 */
class BlockWriteExecutorTest {
    static final int BS = 4096;
    static final long SIZE = 16L * BS;

    @TempDir
    Path dir;
    RocksChunkStore store;
    final VolumeMeta meta = new VolumeMeta(3, "host-a");
    long nextIndex = 1;

    @BeforeEach
    void open() {
        store = RocksChunkStore.open(dir.resolve("db"));
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void legacyWriteBlocksAndGatheredExtentsLeaveTheSameBytes() {
        BlockWriteExecutor legacy = new BlockWriteExecutor(new VolumeLayout(1, SIZE, BS), store);
        BlockWriteExecutor gathered = new BlockWriteExecutor(new VolumeLayout(2, SIZE, BS), store);
        byte[] model = new byte[(int) SIZE];
        SplittableRandom random = new SplittableRandom(42);
        List<Extent> entry = new ArrayList<>();
        for (int w = 0; w < 300; w++) {
            int length = 1 + random.nextInt(3 * BS);
            long offset = random.nextLong(SIZE - length + 1);
            byte[] data = new byte[length];
            random.nextBytes(data);
            System.arraycopy(data, 0, model, (int) offset, length);

            VolumeReply one = legacy.write(WriteBlocks.newBuilder().setEpoch(3).setOffset(offset)
                    .setData(ByteString.copyFrom(data)).build(), meta, next());
            assertEquals(VolumeError.OK, one.getError(), one.getMessage());
            entry.add(Extent.newBuilder().setOffset(offset).setData(ByteString.copyFrom(data)).build());
            if (entry.size() == 1 + random.nextInt(6)) { // entries of 1..6 writes, overlapping ones included
                applyExtents(gathered, entry);
            }
        }
        if (!entry.isEmpty()) {
            applyExtents(gathered, entry);
        }
        assertArrayEquals(model, read(1), "WriteBlocks entries (older logs) apply like separate writes");
        assertArrayEquals(model, read(2), "WriteExtents entries apply their writes in order");
    }

    @Test
    void aStaleOrOutOfRangeWriteBlocksEntryChangesNothing() {
        BlockWriteExecutor legacy = new BlockWriteExecutor(new VolumeLayout(1, SIZE, BS), store);
        byte[] first = new byte[BS];
        java.util.Arrays.fill(first, (byte) 7);
        assertEquals(VolumeError.OK, legacy.write(WriteBlocks.newBuilder().setEpoch(3).setOffset(0)
                .setData(ByteString.copyFrom(first)).build(), meta, next()).getError());
        AppliedIndex applied = store.appliedIndex(1);

        VolumeReply stale = legacy.write(WriteBlocks.newBuilder().setEpoch(2).setOffset(0)
                .setData(ByteString.copyFrom(new byte[BS])).build(), meta, next());
        assertEquals(VolumeError.FENCED, stale.getError());
        assertEquals(3, stale.getEpoch(), "the refusal names the current epoch");
        VolumeReply outside = legacy.write(WriteBlocks.newBuilder().setEpoch(3).setOffset(SIZE - 10)
                .setData(ByteString.copyFrom(new byte[20])).build(), meta, next());
        assertEquals(VolumeError.OUT_OF_RANGE, outside.getError());

        assertEquals(applied, store.appliedIndex(1), "refused entries leave the store's applied index alone");
        byte[] expected = new byte[(int) SIZE];
        java.util.Arrays.fill(expected, 0, BS, (byte) 7);
        assertArrayEquals(expected, read(1));
    }

    private void applyExtents(BlockWriteExecutor executor, List<Extent> entry) {
        VolumeReply reply = executor.write(WriteExtents.newBuilder().setEpoch(3).addAllExtents(entry).build(), meta, next());
        assertEquals(VolumeError.OK, reply.getError(), reply.getMessage());
        entry.clear();
    }

    private AppliedIndex next() {
        return new AppliedIndex(1, nextIndex++);
    }

    private byte[] read(long volume) {
        ByteBuffer dst = ByteBuffer.allocate((int) SIZE);
        store.read(volume, 0, (int) (SIZE / BS), dst);
        return dst.array();
    }
}
