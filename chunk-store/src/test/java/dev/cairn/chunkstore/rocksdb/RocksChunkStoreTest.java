package dev.cairn.chunkstore.rocksdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.chunkstore.AppliedIndex;
import dev.cairn.chunkstore.ChecksumMismatchException;
import dev.cairn.chunkstore.ChunkStoreException;
import dev.cairn.chunkstore.VolumeBatch;
import dev.cairn.chunkstore.VolumeExport;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.rocksdb.RocksDB;

class RocksChunkStoreTest {
    static final int BS = 4096;

    @TempDir
    Path dir;
    RocksChunkStore store;

    @BeforeEach
    void open() {
        store = RocksChunkStore.open(dir.resolve("db"));
    }

    @AfterEach
    void close() {
        store.close();
        assertEquals(0, store.openHandles(), "every native handle was closed");
    }

    private static final byte STALE = (byte) 0xA5;

    static ByteBuffer block(int seed) {
        byte[] b = new byte[BS];
        for (int i = 0; i < BS; i++) {
            b[i] = (byte) (seed + i * 13 + 1);
        }
        return ByteBuffer.wrap(b);
    }

    /**
     * Reads into a buffer of stale bytes, starting a few bytes in: the store must write every byte
     * of the range itself (zeros for absent blocks) and nothing outside it.
     */
    byte[] read(long volume, long first, int count) {
        int lead = 3;
        ByteBuffer dst = ByteBuffer.allocate(lead + count * BS + 1);
        Arrays.fill(dst.array(), STALE);
        dst.position(lead);
        store.read(volume, first, count, dst);
        assertEquals(lead + count * BS, dst.position(), "read advances the buffer");
        assertEquals(STALE, dst.get(lead - 1), "read wrote before its range");
        assertEquals(STALE, dst.get(lead + count * BS), "read wrote after its range");
        return Arrays.copyOfRange(dst.array(), lead, lead + count * BS);
    }

    static AppliedIndex at(long index) {
        return new AppliedIndex(1, index);
    }

    @Test
    void absentBlocksReadAsZeros() {
        assertArrayEquals(new byte[3 * BS], read(1, 100, 3));
        assertArrayEquals(new byte[BS], read(1, 0, 1));
        assertEquals(AppliedIndex.NONE, store.appliedIndex(1));
    }

    @Test
    void writtenBlocksReadBackBetweenAbsentOnes() {
        store.apply(new VolumeBatch(1, at(5)).put(2, block(2)).put(4, block(4)));
        byte[] got = read(1, 1, 5);
        assertArrayEquals(new byte[BS], Arrays.copyOfRange(got, 0, BS));
        assertArrayEquals(block(2).array(), Arrays.copyOfRange(got, BS, 2 * BS));
        assertArrayEquals(new byte[BS], Arrays.copyOfRange(got, 2 * BS, 3 * BS));
        assertArrayEquals(block(4).array(), Arrays.copyOfRange(got, 3 * BS, 4 * BS));
        assertArrayEquals(block(4).array(), read(1, 4, 1));
        assertEquals(at(5), store.appliedIndex(1));
    }

    @Test
    void aReadOnlyOrDirectBufferIsAcceptedAsBlockData() {
        ByteBuffer direct = ByteBuffer.allocateDirect(BS).put(block(9).array()).flip();
        store.apply(new VolumeBatch(1, at(1)).put(0, direct).put(1, block(8).asReadOnlyBuffer()));
        assertArrayEquals(block(9).array(), read(1, 0, 1));
        assertArrayEquals(block(8).array(), read(1, 1, 1));
    }

    @Test
    void anAllZeroBlockIsStoredAsAbsent() throws Exception {
        store.apply(new VolumeBatch(1, at(1)).put(7, block(7)));
        store.apply(new VolumeBatch(1, at(2)).put(7, ByteBuffer.allocate(BS)));
        assertNull(store.db().get(Keys.block(1, 7)), "no key for an all-zero block");
        assertArrayEquals(new byte[BS], read(1, 7, 1));
    }

    @Test
    void aFlippedByteIsDetectedOnEveryReadPath() throws Exception {
        store.apply(new VolumeBatch(3, at(1)).put(10, block(1)).put(11, block(2)));
        byte[] raw = store.db().get(Keys.block(3, 11));
        raw[100] ^= 0x40;
        store.db().put(Keys.block(3, 11), raw);
        var single = assertThrows(ChecksumMismatchException.class, () -> read(3, 11, 1));
        assertEquals(3, single.volumeId());
        assertEquals(11, single.blockIndex());
        assertTrue(single.getMessage().contains("volume 3 block 11"), single.getMessage());
        var range = assertThrows(ChecksumMismatchException.class, () -> read(3, 10, 2));
        assertEquals(11, range.blockIndex());
        assertArrayEquals(block(1).array(), read(3, 10, 1), "the intact neighbour still reads");
        assertEquals(2, store.metricsFailures());
    }

    @Test
    void aTruncatedValueIsCorruptionNotData() throws Exception {
        store.db().put(Keys.block(3, 1), new byte[] {1, 2, 3});
        assertThrows(ChunkStoreException.class, () -> read(3, 1, 1));
    }

    @Test
    void anInvalidBatchAppliesNothing() {
        store.apply(new VolumeBatch(1, at(1)).put(0, block(1)));
        VolumeBatch bad = new VolumeBatch(1, at(2)).put(1, block(2)).deleteRange(0, 1).put(2, ByteBuffer.allocate(100));
        var e = assertThrows(ChunkStoreException.class, () -> store.apply(bad));
        assertTrue(e.getMessage().contains("nothing applied"), e.getMessage());
        assertArrayEquals(block(1).array(), read(1, 0, 1));
        assertArrayEquals(new byte[BS], read(1, 1, 1));
        assertEquals(at(1), store.appliedIndex(1));
        assertThrows(ChunkStoreException.class, () -> store.apply(new VolumeBatch(1, at(3)).put(-1, block(1))));
        assertThrows(ChunkStoreException.class, () -> store.apply(new VolumeBatch(-4, at(3)).put(1, block(1))));
    }

    @Test
    void operationsOfABatchTakeEffectInOrder() {
        store.apply(new VolumeBatch(1, at(1)).put(0, block(1)).put(1, block(2)).put(2, block(3)));
        store.apply(new VolumeBatch(1, at(2)).deleteRange(0, 3).put(1, block(9)));
        assertArrayEquals(new byte[BS], read(1, 0, 1));
        assertArrayEquals(block(9).array(), read(1, 1, 1));
        assertArrayEquals(new byte[BS], read(1, 2, 1));
    }

    @Test
    void appliedIndexAndDataSurviveACleanReopen() {
        store.apply(new VolumeBatch(5, new AppliedIndex(3, 77)).put(1, block(5)));
        store.close();
        store = RocksChunkStore.open(dir.resolve("db"));
        assertEquals(new AppliedIndex(3, 77), store.appliedIndex(5));
        assertArrayEquals(block(5).array(), read(5, 1, 1));
    }

    @Test
    void deletingAVolumeLeavesOthersAlone() {
        store.apply(new VolumeBatch(1, at(1)).put(0, block(1)));
        store.apply(new VolumeBatch(2, at(1)).put(0, block(2)).put(1L << 62, block(3)));
        store.apply(new VolumeBatch(3, at(1)).put(0, block(3)));
        store.deleteVolume(2);
        assertArrayEquals(new byte[BS], read(2, 0, 1));
        assertArrayEquals(new byte[BS], read(2, 1L << 62, 1));
        assertEquals(AppliedIndex.NONE, store.appliedIndex(2));
        assertArrayEquals(block(1).array(), read(1, 0, 1));
        assertArrayEquals(block(3).array(), read(3, 0, 1));
    }

    @Test
    void exportAndImportMoveAVolumeBetweenStores() {
        store.apply(new VolumeBatch(4, new AppliedIndex(2, 40)).put(0, block(1)).put(9, block(2)).put(100, block(3)));
        store.apply(new VolumeBatch(4, new AppliedIndex(2, 41)).deleteRange(9, 1));
        store.apply(new VolumeBatch(5, at(1)).put(0, block(7)));
        VolumeExport export = store.exportVolume(4, dir.resolve("v4.sst"));
        assertEquals(2, export.blocks());
        assertEquals(new AppliedIndex(2, 41), export.appliedIndex());

        try (RocksChunkStore other = RocksChunkStore.open(dir.resolve("other"))) {
            other.apply(new VolumeBatch(4, at(3)).put(50, block(50)));
            assertEquals(new AppliedIndex(2, 41), other.importVolume(4, dir.resolve("v4.sst")));
            ByteBuffer b = ByteBuffer.allocate(BS);
            other.read(4, 100, 1, b);
            assertArrayEquals(block(3).array(), b.array());
            b.clear();
            other.read(4, 50, 1, b);
            assertArrayEquals(new byte[BS], b.array(), "import replaced the old contents");
            b.clear();
            other.read(4, 9, 1, b);
            assertArrayEquals(new byte[BS], b.array(), "the deleted block stays deleted");
            assertEquals(new AppliedIndex(2, 41), other.appliedIndex(4));
            var wrongVolume = assertThrows(ChunkStoreException.class, () -> other.importVolume(6, dir.resolve("v4.sst")));
            assertTrue(wrongVolume.getMessage().contains("nothing imported"), wrongVolume.getMessage());
            assertEquals(0, other.openHandles() - 9, "only the store's own long-lived handles are open");
        }
    }

    @Test
    void anEmptyVolumeExportsAndImports() {
        VolumeExport export = store.exportVolume(8, dir.resolve("empty.sst"));
        assertEquals(0, export.blocks());
        assertEquals(AppliedIndex.NONE, store.importVolume(8, dir.resolve("empty.sst")));
    }

    @Test
    void noHandleLeaksAcrossManyOperations() {
        long baseline = store.openHandles();
        for (int i = 0; i < 200; i++) {
            store.apply(new VolumeBatch(1, at(i)).put(i % 16, block(i)).deleteRange(20, 4));
            read(1, 0, 16);
            read(1, i % 16, 1);
            store.storedBytes(1);
            store.appliedIndex(1);
        }
        store.exportVolume(1, dir.resolve("x.sst"));
        store.importVolume(1, dir.resolve("x.sst"));
        store.sync();
        assertThrows(ChunkStoreException.class, () -> store.importVolume(2, dir.resolve("x.sst")));
        assertEquals(baseline, store.openHandles());
    }

    @Test
    void storedBytesGrowWithData() {
        long before = store.storedBytes(1);
        for (int i = 0; i < 256; i++) {
            store.apply(new VolumeBatch(1, at(i)).put(i, block(i)));
        }
        store.sync();
        assertTrue(store.storedBytes(1) > before, "stored bytes grew from " + before);
    }

    @Test
    void compressionIsOffByDefaultAndMayChangeBetweenOpens() {
        int blocks = 256; // 1 MiB of a pattern that compresses well
        long raw = (long) blocks * BS;
        for (int i = 0; i < blocks; i++) {
            store.apply(new VolumeBatch(1, at(i)).put(i, block(i)));
        }
        store.sync();
        long stored = store.storedBytes(1);
        assertTrue(stored >= raw, "default (none) keeps blocks raw: " + stored + " bytes for " + raw);

        store.close();
        store = RocksChunkStore.open(dir.resolve("db"),
                RocksChunkStoreOptions.defaults().withCompression(RocksChunkStoreOptions.Compression.ZSTD));
        for (int i = 0; i < blocks; i++) {
            store.apply(new VolumeBatch(2, at(i)).put(i, block(i)));
        }
        store.sync();
        assertTrue(store.storedBytes(2) < raw / 4, "zstd compresses: " + store.storedBytes(2) + " bytes for " + raw);

        store.close();
        store = RocksChunkStore.open(dir.resolve("db"),
                RocksChunkStoreOptions.defaults().withCompression(RocksChunkStoreOptions.Compression.LZ4));
        for (int i = 0; i < blocks; i++) {
            assertArrayEquals(block(i).array(), read(1, i, 1), "raw block " + i + " after reopening with lz4");
            assertArrayEquals(block(i).array(), read(2, i, 1), "zstd block " + i + " after reopening with lz4");
        }
        assertArrayEquals(read(1, 0, blocks), read(2, 0, blocks), "range reads agree across compressions");
    }

    @Test
    void blobFilesHoldTheBlocksAndEitherSettingReadsWhatTheOtherWrote() throws IOException {
        int blocks = 256;
        long raw = (long) blocks * BS;
        store.close();
        store = RocksChunkStore.open(dir.resolve("db"), RocksChunkStoreOptions.defaults().withBlobFiles(true));
        for (int i = 0; i < blocks; i++) {
            store.apply(new VolumeBatch(1, at(i)).put(i, block(i)));
        }
        store.sync();
        assertTrue(blobBytes() >= raw, "blocks went to blob files: " + blobBytes() + " bytes for " + raw);
        assertTrue(store.storedBytes(1) >= raw, "stored bytes count the blob files: " + store.storedBytes(1));

        store.close();
        store = RocksChunkStore.open(dir.resolve("db"), RocksChunkStoreOptions.defaults().withBlobFiles(false));
        long blobsBefore = blobBytes();
        for (int i = 0; i < blocks; i++) {
            store.apply(new VolumeBatch(2, at(i)).put(i, block(i + 7)));
        }
        store.sync();
        assertEquals(blobsBefore, blobBytes(), "with blob files off, new blocks stay in the SST files");
        for (int i = 0; i < blocks; i++) {
            assertArrayEquals(block(i).array(), read(1, i, 1), "blob-file block " + i + " with blob files off");
        }

        store.close();
        store = RocksChunkStore.open(dir.resolve("db"), RocksChunkStoreOptions.defaults().withBlobFiles(true));
        store.apply(new VolumeBatch(1, at(blocks)).put(3, block(999)));
        for (int i = 0; i < blocks; i++) {
            assertArrayEquals(block(i + 7).array(), read(2, i, 1), "SST block " + i + " with blob files on");
            assertArrayEquals((i == 3 ? block(999) : block(i)).array(), read(1, i, 1), "blob-file block " + i + " after an overwrite");
        }
        byte[] range = read(1, 0, blocks);
        assertArrayEquals(block(999).array(), Arrays.copyOfRange(range, 3 * BS, 4 * BS), "range reads see the overwrite");
        assertArrayEquals(block(200).array(), Arrays.copyOfRange(range, 200 * BS, 201 * BS), "range reads see blob-file blocks");
    }

    /**
     * Range reads, with blocks in SST files or in blob files: they must agree with a model and with
     * point reads, over blocks in flushed files and in the memtable, overwritten, trimmed and never
     * written, and must catch a corrupt block.
     */
    @ParameterizedTest(name = "blob files {0}")
    @ValueSource(booleans = {false, true})
    void rangeReadsMatchTheModelAndCatchCorruptionInEitherLayout(boolean blobFiles) throws Exception {
        store.close();
        store = RocksChunkStore.open(dir.resolve("db"), RocksChunkStoreOptions.defaults().withBlobFiles(blobFiles));
        int blocks = 300;
        byte[][] model = new byte[blocks][];
        Random random = new Random(42);
        long index = 0;
        for (int i = 0; i < blocks; i++) {
            if (random.nextInt(4) != 0) { // a quarter never written
                store.apply(new VolumeBatch(5, at(++index)).put(i, block(i)));
                model[i] = block(i).array();
            }
        }
        store.sync(); // these now sit in SST (or blob) files
        assertEquals(blobFiles, blobBytes() > 0, "blob files in use exactly when on: " + blobBytes() + " bytes");
        for (int i = 0; i < blocks; i += 7) { // overwrites, in the memtable
            store.apply(new VolumeBatch(5, at(++index)).put(i, block(1000 + i)));
            model[i] = block(1000 + i).array();
        }
        store.apply(new VolumeBatch(5, at(++index)).deleteRange(100, 40)); // a trim
        Arrays.fill(model, 100, 140, null);
        store.apply(new VolumeBatch(6, at(1)).put(0, block(77)).put(blocks, block(78))); // neighbours
        for (int[] range : new int[][] {{0, blocks}, {95, 50}, {1, 2}, {250, 50}, {138, 3}}) {
            byte[] got = read(5, range[0], range[1]);
            for (int i = 0; i < range[1]; i++) {
                int b = range[0] + i;
                byte[] want = model[b] == null ? new byte[BS] : model[b];
                assertArrayEquals(want, Arrays.copyOfRange(got, i * BS, (i + 1) * BS), "block " + b + " in range " + Arrays.toString(range));
                assertArrayEquals(want, read(5, b, 1), "point read of block " + b);
            }
        }
        int victim = 201;
        while (model[victim] == null) {
            victim++;
        }
        byte[] raw = store.db().get(Keys.block(5, victim));
        raw[7] ^= 0x01;
        store.db().put(Keys.block(5, victim), raw);
        store.sync();
        var bad = assertThrows(ChecksumMismatchException.class, () -> read(5, 190, 40));
        assertEquals(victim, bad.blockIndex());
        store.db().put(Keys.block(5, 299), new byte[] {1, 2});
        var shortValue = assertThrows(ChunkStoreException.class, () -> read(5, 298, 2));
        assertTrue(shortValue.getMessage().contains("block 299 is corrupt"), shortValue.getMessage());
    }

    private long blobBytes() throws IOException {
        try (var files = java.nio.file.Files.list(dir.resolve("db"))) {
            return files.filter(f -> f.getFileName().toString().endsWith(".blob")).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    @Test
    void compressionNamesParseAndABadOneSaysWhatIsAllowed() {
        assertEquals(RocksChunkStoreOptions.Compression.LZ4, RocksChunkStoreOptions.Compression.parse(" Lz4 "));
        assertEquals(RocksChunkStoreOptions.Compression.NONE, RocksChunkStoreOptions.Compression.parse("none"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RocksChunkStoreOptions.Compression.parse("snappy"));
        assertTrue(e.getMessage().contains("none, lz4, zstd"), e.getMessage());
    }

    @Test
    void theNativeLibraryLoads() {
        assertTrue(RocksDB.rocksdbVersion().getMajor() >= 9);
    }
}
