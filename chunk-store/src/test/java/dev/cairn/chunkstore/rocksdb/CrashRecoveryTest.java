package dev.cairn.chunkstore.rocksdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The chunk store's crash contract (ChunkStore javadoc): after a halt with the WAL off, the store
 * sits at a batch boundary at or after the last sync, and its blocks are exactly those of the
 * batches up to the applied index it reports: never data ahead of or behind the index.
 */
@Tag("it")
class CrashRecoveryTest {
    @TempDir
    Path dir;

    /**
     * Run twice: with the blocks' bytes in the store, and with them in the volume's journal and
     * pointers in the store (docs/adr/0003-header-in-log.md), where the halt also catches journal
     * appends that were never synced and memtable flushes that synced the journal first.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"inline", "journal"})
    void afterAHaltTheStoreIsExactlyAtItsAppliedIndex(String mode) throws Exception {
        Path db = dir.resolve("db");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), CrashWriter.class.getName(), db.toString(), "3000", "1200", mode)
                .redirectErrorStream(true).start();
        String out = new String(child.getInputStream().readAllBytes());
        assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        assertTrue(out.contains("synced 1200"), out);

        try (RocksChunkStore store = RocksChunkStore.open(db, RocksChunkStoreOptions.defaults().withJournalSegmentBytes(256 << 10))) {
            long index = store.appliedIndex(1).index();
            assertTrue(index >= 1200 && index <= 3000, "applied index " + index + " is at or after the sync");
            Map<Integer, Long> expected = new HashMap<>();
            for (int i = 1; i <= index; i++) {
                expected.put(i % 64, (long) i);
                expected.put((i * 7) % 64, (long) i);
            }
            for (int block = 0; block < 64; block++) {
                ByteBuffer got = ByteBuffer.allocate(4096);
                store.read(1, block, 1, got);
                Long batch = expected.get(block);
                assertArrayEquals(batch == null ? new byte[4096] : CrashWriter.stamp(batch, block).array(), got.array(),
                        "block " + block + " matches applied index " + index);
            }
            assertEquals(0, store.openHandles() - 9, "only the store's own long-lived handles are open");
        }
    }
}
