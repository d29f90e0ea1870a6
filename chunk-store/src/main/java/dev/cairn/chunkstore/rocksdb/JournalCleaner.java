package dev.cairn.chunkstore.rocksdb;

import dev.cairn.chunkstore.ChunkStore.JournalCleaning;
import dev.cairn.chunkstore.ChunkStoreException;
import dev.cairn.chunkstore.journal.Journal;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Frees a volume's journal space (docs/adr/0003-header-in-log.md). A sealed segment may go once
 * every record in it lies before the mark the caller gives (Raft will not ask for them again) and
 * no block points into it. A segment less than half live has its live blocks moved into the store
 * first (as bytes), so a few blocks that are never overwritten cannot pin a whole segment.
 *
 * <p>Crash safety: the store is made durable before the scan, so no older durable pointer into a
 * segment survives a crash that the scan did not see; moved blocks are made durable before their
 * segment is deleted. Runs on the volume's apply thread, so no batch changes a pointer meanwhile;
 * concurrent reads that still hold an old pointer retry (see {@link Journal}).
 */
final class JournalCleaner {
    private static final Logger LOG = LoggerFactory.getLogger(JournalCleaner.class);
    private static final int MOVE_BATCH_BLOCKS = 1024;

    private final RocksChunkStore store;
    private final long volumeId;
    private final Journal journal;

    JournalCleaner(RocksChunkStore store, long volumeId, Journal journal) {
        this.store = store;
        this.volumeId = volumeId;
        this.journal = journal;
    }

    JournalCleaning clean(long keepFromSeq) {
        Map<Long, Journal.Segment> candidates = new HashMap<>();
        for (Journal.Segment s : journal.segments()) {
            if (!s.open() && s.lastSeq() < keepFromSeq) {
                candidates.put(s.id(), s);
            }
        }
        if (candidates.isEmpty()) {
            return new JournalCleaning(0, 0, 0, journal.bytes());
        }
        store.sync();
        Map<Long, Long> live = new HashMap<>();
        scan(candidates.keySet(), (block, p) -> live.merge(p.segment(), 1L, Long::sum));
        int bs = store.blockSize();
        Set<Long> move = new HashSet<>();
        long toMove = 0;
        for (Map.Entry<Long, Long> e : live.entrySet()) {
            if (e.getValue() * bs * 2 < candidates.get(e.getKey()).bytes()) {
                move.add(e.getKey());
                toMove += e.getValue();
            }
        }
        long moved = 0;
        if (!move.isEmpty()) {
            LOG.info("volume {}: journal cleaning moves {} live blocks out of {} mostly dead segments", volumeId, toMove,
                    move.size());
            moved = moveBlocks(move, toMove);
            store.sync();
        }
        int deleted = 0;
        long freed = 0;
        for (Journal.Segment s : candidates.values()) {
            if (!live.containsKey(s.id()) || move.contains(s.id())) {
                journal.deleteSegment(s);
                deleted++;
                freed += s.bytes();
            }
        }
        long remaining = journal.bytes();
        if (deleted > 0) {
            LOG.info("volume {}: journal cleaning deleted {} segments ({} MiB), moved {} blocks; {} MiB of journal remain",
                    volumeId, deleted, freed >> 20, moved, remaining >> 20);
        }
        return new JournalCleaning(deleted, freed, moved, remaining);
    }

    private interface PointerVisitor {
        void visit(long block, Pointer p) throws RocksDBException;
    }

    private void scan(Set<Long> segments, PointerVisitor visitor) {
        NativeHandles h = store.handles;
        try (var upper = h.scope(new Slice(Keys.blocksEnd(volumeId)));
             var ro = h.scope(new ReadOptions().setIterateUpperBound(upper.get()).setFillCache(false));
             var it = h.scope(store.db().newIterator(ro.get()))) {
            RocksIterator iterator = it.get();
            for (iterator.seek(Keys.block(volumeId, 0)); iterator.isValid(); iterator.next()) {
                byte[] value = iterator.value();
                if (Pointer.is(value, value.length)) {
                    Pointer p = Pointer.decode(value);
                    if (segments.contains(p.segment())) {
                        visitor.visit(Keys.blockIndexOf(iterator.key()), p);
                    }
                }
            }
            iterator.status();
        } catch (RocksDBException e) {
            throw new ChunkStoreException("journal cleaning of volume " + volumeId + " failed: " + e.getMessage(), e);
        }
    }

    /** Rewrites the blocks pointing into {@code segments} with their bytes, logging progress. */
    private long moveBlocks(Set<Long> segments, long total) {
        long reportEvery = Math.max(MOVE_BATCH_BLOCKS, total / 10);
        long[] moved = {0};
        NativeHandles h = store.handles;
        try (var wo = h.scope(new WriteOptions().setDisableWAL(true)); var batch = h.scope(new WriteBatch())) {
            WriteBatch wb = batch.get();
            scan(segments, (block, p) -> {
                wb.put(Keys.block(volumeId, block), store.inlineValue(volumeId, block, p.encode()));
                if (++moved[0] % MOVE_BATCH_BLOCKS == 0) {
                    store.db().write(wo.get(), wb);
                    wb.clear();
                }
                if (moved[0] % reportEvery == 0) {
                    LOG.info("volume {}: journal cleaning moved {} of {} blocks", volumeId, moved[0], total);
                }
            });
            store.db().write(wo.get(), wb);
        } catch (RocksDBException e) {
            throw new ChunkStoreException("journal cleaning of volume " + volumeId + " could not move blocks: "
                    + e.getMessage() + "; nothing was deleted", e);
        }
        return moved[0];
    }
}
