package dev.cairn.ratis;

import dev.cairn.chunkstore.AppliedIndex;
import dev.cairn.chunkstore.ChunkStore;
import dev.cairn.chunkstore.ChunkStoreException;
import dev.cairn.chunkstore.VolumeBatch;
import dev.cairn.chunkstore.VolumeExport;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * A chunk store in memory, for state machine tests that need no disk; "durable" means "synced"
 * here: {@link #crash()} drops everything applied since the last {@link #sync()}, like RocksDB with
 * its WAL off loses its memtable. Journal records survive a crash (a kill -9 keeps what was written to
 * files); blocks put from the journal are copied out of the record when applied.
 */
final class MemoryChunkStore implements ChunkStore {
    private final int blockSize;
    private final Map<Long, ConcurrentSkipListMap<Long, byte[]>> blocks = new ConcurrentHashMap<>();
    private final Map<Long, AppliedIndex> applied = new ConcurrentHashMap<>();
    private Map<Long, ConcurrentSkipListMap<Long, byte[]>> syncedBlocks = Map.of();
    private Map<Long, AppliedIndex> syncedApplied = Map.of();
    private record Rec(long term, byte[] data) {
    }
    private final Map<Long, ConcurrentSkipListMap<Long, Rec>> journals = new ConcurrentHashMap<>();

    MemoryChunkStore(int blockSize) {
        this.blockSize = blockSize;
    }

    @Override
    public int blockSize() {
        return blockSize;
    }

    @Override
    public void read(long volumeId, long firstBlock, int count, ByteBuffer dst) {
        var volume = blocks.getOrDefault(volumeId, new ConcurrentSkipListMap<>());
        for (int i = 0; i < count; i++) {
            byte[] b = volume.get(firstBlock + i);
            dst.put(b == null ? new byte[blockSize] : b);
        }
    }

    @Override
    public synchronized void apply(VolumeBatch batch) {
        var volume = blocks.computeIfAbsent(batch.volumeId(), k -> new ConcurrentSkipListMap<>());
        for (VolumeBatch.Op op : batch.ops()) {
            if (op instanceof VolumeBatch.Put put) {
                if (put.data().remaining() != blockSize) {
                    throw new ChunkStoreException("bad block size");
                }
            }
        }
        for (VolumeBatch.Op op : batch.ops()) {
            switch (op) {
                case VolumeBatch.Put put -> {
                    byte[] b = new byte[blockSize];
                    put.data().duplicate().get(b);
                    volume.put(put.blockIndex(), b);
                }
                case VolumeBatch.PutFromJournal ref -> {
                    ByteBuffer record = journalRead(batch.volumeId(), ref.seq(), ref.term());
                    if (record == null) {
                        throw new ChunkStoreException("no journal record " + ref.seq());
                    }
                    byte[] b = new byte[blockSize];
                    record.position(ref.recordOffset()).get(b);
                    volume.put(ref.blockIndex(), b);
                }
                case VolumeBatch.DeleteRange del -> volume.subMap(del.firstBlock(), del.firstBlock() + del.count()).clear();
            }
        }
        applied.put(batch.volumeId(), batch.appliedIndex());
    }

    @Override
    public AppliedIndex appliedIndex(long volumeId) {
        return applied.getOrDefault(volumeId, AppliedIndex.NONE);
    }

    @Override
    public synchronized void sync() {
        Map<Long, ConcurrentSkipListMap<Long, byte[]>> copy = new ConcurrentHashMap<>();
        blocks.forEach((k, v) -> copy.put(k, new ConcurrentSkipListMap<>(v)));
        syncedBlocks = copy;
        syncedApplied = new ConcurrentHashMap<>(applied);
    }

    /** Loses everything not synced, as a kill -9 would. */
    synchronized void crash() {
        blocks.clear();
        syncedBlocks.forEach((k, v) -> blocks.put(k, new ConcurrentSkipListMap<>(v)));
        applied.clear();
        applied.putAll(syncedApplied);
    }

    @Override
    public synchronized void deleteVolume(long volumeId) {
        blocks.remove(volumeId);
        applied.remove(volumeId);
    }

    @Override
    public synchronized VolumeExport exportVolume(long volumeId, Path file) {
        var volume = blocks.getOrDefault(volumeId, new ConcurrentSkipListMap<>());
        AppliedIndex index = appliedIndex(volumeId);
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
            out.writeLong(index.term());
            out.writeLong(index.index());
            out.writeInt(volume.size());
            for (var e : volume.entrySet()) {
                out.writeLong(e.getKey());
                out.write(e.getValue());
            }
            return new VolumeExport(file, Files.size(file), volume.size(), index);
        } catch (IOException e) {
            throw new ChunkStoreException("export failed", e);
        }
    }

    @Override
    public synchronized AppliedIndex importVolume(long volumeId, Path file) {
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            AppliedIndex index = new AppliedIndex(in.readLong(), in.readLong());
            int n = in.readInt();
            var volume = new ConcurrentSkipListMap<Long, byte[]>();
            for (int i = 0; i < n; i++) {
                long k = in.readLong();
                byte[] b = new byte[blockSize];
                in.readFully(b);
                volume.put(k, b);
            }
            blocks.put(volumeId, volume);
            applied.put(volumeId, index);
            return index;
        } catch (IOException e) {
            throw new ChunkStoreException("import failed", e);
        }
    }

    @Override
    public long storedBytes(long volumeId) {
        return (long) blocks.getOrDefault(volumeId, new ConcurrentSkipListMap<>()).size() * blockSize;
    }

    @Override
    public synchronized void journalAppend(long volumeId, long seq, long term, ByteBuffer data) {
        var journal = journals.computeIfAbsent(volumeId, k -> new ConcurrentSkipListMap<>());
        journal.tailMap(seq, true).clear();
        byte[] b = new byte[data.remaining()];
        data.duplicate().get(b);
        journal.put(seq, new Rec(term, b));
    }

    @Override
    public void journalSync(long volumeId) {
    }

    @Override
    public ByteBuffer journalRead(long volumeId, long seq, long term) {
        Rec r = journals.getOrDefault(volumeId, new ConcurrentSkipListMap<>()).get(seq);
        return r == null || r.term() != term ? null : ByteBuffer.wrap(r.data().clone());
    }

    /** The sequence numbers of a volume's journal records. */
    java.util.Set<Long> journalSeqs(long volumeId) {
        return journals.getOrDefault(volumeId, new ConcurrentSkipListMap<>()).keySet();
    }

    @Override
    public synchronized void journalTruncateAfter(long volumeId, long seq) {
        journals.getOrDefault(volumeId, new ConcurrentSkipListMap<>()).tailMap(seq, false).clear();
    }

    @Override
    public JournalCleaning cleanJournal(long volumeId, long keepFromSeq) {
        return new JournalCleaning(0, 0, 0, 0);
    }

    @Override
    public void close() {
    }
}
