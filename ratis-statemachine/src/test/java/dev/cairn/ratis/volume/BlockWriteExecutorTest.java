package dev.cairn.ratis.volume;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import dev.cairn.chunkstore.AppliedIndex;
import dev.cairn.chunkstore.rocksdb.RocksChunkStore;
import dev.cairn.ratis.proto.Extent;
import dev.cairn.ratis.proto.JournaledExtent;
import dev.cairn.ratis.proto.JournaledWrite;
import dev.cairn.ratis.proto.VolumeCommand;
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
        BlockWriteExecutor journaled = new BlockWriteExecutor(new VolumeLayout(3, SIZE, BS), store);
        byte[] model = new byte[(int) SIZE];
        SplittableRandom random = new SplittableRandom(42);
        List<Extent> entry = new ArrayList<>();
        for (int w = 0; w < 300; w++) {
            boolean aligned = random.nextBoolean(); // whole blocks: pointers into the journal
            int length = aligned ? BS * (1 + random.nextInt(3)) : 1 + random.nextInt(3 * BS);
            long offset = aligned ? BS * random.nextLong(SIZE / BS - length / BS + 1) : random.nextLong(SIZE - length + 1);
            byte[] data = new byte[length];
            random.nextBytes(data);
            System.arraycopy(data, 0, model, (int) offset, length);

            VolumeReply one = legacy.write(WriteBlocks.newBuilder().setEpoch(3).setOffset(offset)
                    .setData(ByteString.copyFrom(data)).build(), meta, next());
            assertEquals(VolumeError.OK, one.getError(), one.getMessage());
            entry.add(Extent.newBuilder().setOffset(offset).setData(ByteString.copyFrom(data)).build());
            if (entry.size() == 1 + random.nextInt(6)) { // entries of 1..6 writes, overlapping ones included
                applyJournaled(journaled, entry);
                applyExtents(gathered, entry);
            }
        }
        if (!entry.isEmpty()) {
            applyJournaled(journaled, entry);
            applyExtents(gathered, entry);
        }
        assertArrayEquals(model, read(1), "WriteBlocks entries (older logs) apply like separate writes");
        assertArrayEquals(model, read(2), "WriteExtents entries apply their writes in order");
        assertArrayEquals(model, read(3), "split entries (header in the log, data in the journal) leave the same bytes");
        store.close();
        open();
        assertArrayEquals(model, read(3), "and so after a reopen");
    }

    /** As a replica does with a split entry: the command's bytes to the journal, the header applied. */
    private void applyJournaled(BlockWriteExecutor executor, List<Extent> entry) {
        byte[] command = VolumeCommand.newBuilder()
                .setWriteExtents(WriteExtents.newBuilder().setEpoch(3).addAllExtents(entry)).build().toByteArray();
        JournaledWrite header = JournaledWrites.header(ByteBuffer.wrap(command));
        AppliedIndex at = new AppliedIndex(1, nextIndex);
        store.journalAppend(3, at.index(), at.term(), ByteBuffer.wrap(command));
        VolumeReply reply = executor.write(header, meta, at);
        assertEquals(VolumeError.OK, reply.getError(), reply.getMessage());
    }

    @Test
    void aSplitEntryIsFencedAndRangeCheckedFromItsHeader() {
        BlockWriteExecutor executor = new BlockWriteExecutor(new VolumeLayout(1, SIZE, BS), store);
        JournaledWrite stale = JournaledWrite.newBuilder().setEpoch(2)
                .addExtents(JournaledExtent.newBuilder().setOffset(0).setLength(BS).setPosition(10)).build();
        assertEquals(VolumeError.FENCED, executor.write(stale, meta, next()).getError(), "no record needed to refuse");
        JournaledWrite outside = JournaledWrite.newBuilder().setEpoch(3)
                .addExtents(JournaledExtent.newBuilder().setOffset(SIZE - BS).setLength(2 * BS).setPosition(10)).build();
        assertEquals(VolumeError.OUT_OF_RANGE, executor.write(outside, meta, next()).getError());
        JournaledWrite noRecord = JournaledWrite.newBuilder().setEpoch(3)
                .addExtents(JournaledExtent.newBuilder().setOffset(0).setLength(BS).setPosition(10)).build();
        var e = org.junit.jupiter.api.Assertions.assertThrows(dev.cairn.chunkstore.ChunkStoreException.class,
                () -> executor.write(noRecord, meta, next()));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("rebuilt"), e.getMessage());
        assertArrayEquals(new byte[(int) SIZE], read(1));
    }

    @Test
    void theHeaderLocatesEachExtentsBytesAndOtherCommandsAreNotSplit() {
        byte[] a = new byte[300];
        java.util.Arrays.fill(a, (byte) 1);
        byte[] b = new byte[5000];
        java.util.Arrays.fill(b, (byte) 2);
        byte[] command = VolumeCommand.newBuilder().setWriteExtents(WriteExtents.newBuilder().setEpoch(9)
                .addExtents(Extent.newBuilder().setOffset(4096).setData(ByteString.copyFrom(a)))
                .addExtents(Extent.newBuilder().setOffset(1L << 40).setData(ByteString.copyFrom(b)))).build().toByteArray();
        JournaledWrite header = JournaledWrites.header(ByteBuffer.wrap(command));
        assertEquals(9, header.getEpoch());
        assertEquals(2, header.getExtentsCount());
        JournaledExtent first = header.getExtents(0);
        JournaledExtent second = header.getExtents(1);
        assertEquals(4096, first.getOffset());
        assertEquals(1L << 40, second.getOffset());
        assertArrayEquals(a, java.util.Arrays.copyOfRange(command, first.getPosition(), first.getPosition() + first.getLength()));
        assertArrayEquals(b, java.util.Arrays.copyOfRange(command, second.getPosition(), second.getPosition() + second.getLength()));

        assertEquals(null, JournaledWrites.header(ByteBuffer.wrap(VolumeCommand.newBuilder()
                .setZero(dev.cairn.ratis.proto.ZeroRange.newBuilder().setEpoch(1).setLength(BS)).build().toByteArray())));
        assertEquals(null, JournaledWrites.header(ByteBuffer.wrap(java.util.Arrays.copyOf(command, command.length - 1))),
                "a cut command");
        assertEquals(null, JournaledWrites.header(ByteBuffer.wrap(java.util.Arrays.copyOf(command, command.length + 1))),
                "trailing bytes");
        assertEquals(null, JournaledWrites.header(ByteBuffer.wrap(new byte[] {(byte) 0xff, (byte) 0xff, 0})), "garbage");
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
