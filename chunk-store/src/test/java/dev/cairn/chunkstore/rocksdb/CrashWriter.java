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
        RocksChunkStore store = RocksChunkStore.open(Path.of(args[0]));
        int batches = Integer.parseInt(args[1]);
        int syncAt = Integer.parseInt(args[2]);
        for (int i = 1; i <= batches; i++) {
            VolumeBatch batch = new VolumeBatch(1, new AppliedIndex(1, i));
            batch.put(i % 64, stamp(i, i % 64)).put((i * 7) % 64, stamp(i, (i * 7) % 64));
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
