package dev.cairn.chunkstore.rocksdb;

import dev.cairn.chunkstore.AppliedIndex;
import dev.cairn.chunkstore.VolumeBatch;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Child process of {@link CrashRecoveryTest}: applies batches, syncs once, applies more, then
 * halts without closing anything, as kill -9 would leave the store.
 */
public final class CrashWriter {
    private CrashWriter() {
    }

    static ByteBuffer stamp(long batch, int block) {
        ByteBuffer b = ByteBuffer.allocate(4096);
        for (int i = 0; i < 4096; i += 16) {
            b.putLong(i, batch).putLong(i + 8, block);
        }
        return b;
    }

    public static void main(String[] args) {
        RocksChunkStore store = RocksChunkStore.open(Path.of(args[0]),
                RocksChunkStoreOptions.defaults().withJournalSegmentBytes(256 << 10));
        int batches = Integer.parseInt(args[1]);
        int syncAt = Integer.parseInt(args[2]);
        boolean journal = args.length > 3 && args[3].equals("journal");
        for (int i = 1; i <= batches; i++) {
            VolumeBatch batch = new VolumeBatch(1, new AppliedIndex(1, i));
            if (journal) { // the blocks' bytes in the journal record of this index, the store pointing at them
                ByteBuffer record = ByteBuffer.allocate(2 * 4096);
                record.put(stamp(i, i % 64)).put(stamp(i, (i * 7) % 64)).flip();
                store.journalAppend(1, i, 1, record);
                batch.putFromJournal(i % 64, i, 1, 0).putFromJournal((i * 7) % 64, i, 1, 4096);
            } else {
                batch.put(i % 64, stamp(i, i % 64)).put((i * 7) % 64, stamp(i, (i * 7) % 64));
            }
            store.apply(batch);
            if (i == syncAt) {
                store.sync();
                System.out.println("synced " + i);
            }
        }
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }
}
