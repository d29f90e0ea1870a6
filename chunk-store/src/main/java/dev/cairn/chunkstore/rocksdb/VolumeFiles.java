package dev.cairn.chunkstore.rocksdb;

import dev.cairn.chunkstore.AppliedIndex;
import dev.cairn.chunkstore.ChunkStoreException;
import dev.cairn.chunkstore.VolumeExport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.rocksdb.EnvOptions;
import org.rocksdb.IngestExternalFileOptions;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.Snapshot;
import org.rocksdb.SstFileReader;
import org.rocksdb.SstFileReaderIterator;
import org.rocksdb.SstFileWriter;
import org.rocksdb.WriteBatch;

/**
 * A volume as one SST file: its applied-index key first, then its blocks in key order, each with
 * its bytes (blocks that lie in the journal are read from it). Written from a RocksDB snapshot
 * (consistent as of the call; the journal segments it points into are only deleted by the cleaner,
 * which runs on the same thread as exports), ingested after deleting the volume's range.
 */
final class VolumeFiles {
    private final RocksChunkStore store;

    VolumeFiles(RocksChunkStore store) {
        this.store = store;
    }

    VolumeExport export(long volumeId, Path file) {
        NativeHandles h = store.handles;
        try (var env = h.scope(new EnvOptions());
             var writer = h.scope(new SstFileWriter(env.get(), store.options().get()));
             var snapshot = new SnapshotScope(store);
             var upper = h.scope(new Slice(Keys.blocksEnd(volumeId)));
             var ro = h.scope(new ReadOptions().setSnapshot(snapshot.snapshot).setIterateUpperBound(upper.get()));
             var it = h.scope(store.db().newIterator(ro.get()))) {
            Files.deleteIfExists(file);
            writer.get().open(file.toString());
            byte[] applied = store.db().get(ro.get(), Keys.applied(volumeId));
            AppliedIndex index = applied == null ? AppliedIndex.NONE : RocksChunkStore.decode(applied);
            writer.get().put(Keys.applied(volumeId), RocksChunkStore.encode(index));
            long blocks = 0;
            RocksIterator iterator = it.get();
            for (iterator.seek(Keys.block(volumeId, 0)); iterator.isValid(); iterator.next()) {
                // Self-contained: blocks in the journal are written out as bytes.
                byte[] key = iterator.key();
                writer.get().put(key, store.inlineValue(volumeId, Keys.blockIndexOf(key), iterator.value()));
                blocks++;
            }
            writer.get().finish();
            return new VolumeExport(file, Files.size(file), blocks, index);
        } catch (RocksDBException | IOException e) {
            throw new ChunkStoreException("export of volume " + volumeId + " to " + file + " failed: " + e.getMessage(), e);
        }
    }

    AppliedIndex importFile(long volumeId, Path file) {
        AppliedIndex index = check(volumeId, file);
        NativeHandles h = store.handles;
        try (var wb = h.scope(new WriteBatch());
             var ingest = h.scope(new IngestExternalFileOptions().setMoveFiles(false).setSnapshotConsistency(true))) {
            wb.get().deleteRange(Keys.block(volumeId, 0), Keys.blocksEnd(volumeId));
            wb.get().delete(Keys.applied(volumeId));
            store.db().write(store.syncedWrites(), wb.get());
            store.db().ingestExternalFile(List.of(file.toString()), ingest.get());
            return index;
        } catch (RocksDBException e) {
            throw new ChunkStoreException("import of volume " + volumeId + " from " + file + " failed: " + e.getMessage(), e);
        }
    }

    /** Reads the file through once: only this volume's keys, well-formed, with its applied index. */
    private AppliedIndex check(long volumeId, Path file) {
        NativeHandles h = store.handles;
        try (var reader = h.scope(new SstFileReader(store.options().get()))) {
            reader.get().open(file.toString());
            AppliedIndex index = null;
            try (var ro = h.scope(new ReadOptions()); var it = h.scope(reader.get().newIterator(ro.get()))) {
                SstFileReaderIterator iterator = it.get();
                for (iterator.seekToFirst(); iterator.isValid(); iterator.next()) {
                    byte[] key = iterator.key();
                    if (key.length == Keys.APPLIED_KEY && key[0] == Keys.APPLIED && Keys.volumeOf(key) == volumeId) {
                        index = RocksChunkStore.decode(iterator.value());
                    } else if (key.length != Keys.BLOCK_KEY || key[0] != Keys.BLOCK || Keys.volumeOf(key) != volumeId
                            || iterator.value().length != 4 + store.blockSize()) {
                        throw new ChunkStoreException("file " + file + " is not an export of volume " + volumeId
                                + " with " + store.blockSize() + "-byte blocks; nothing imported");
                    }
                }
            }
            if (index == null) {
                throw new ChunkStoreException("file " + file + " has no applied index for volume " + volumeId + "; nothing imported");
            }
            return index;
        } catch (RocksDBException e) {
            throw new ChunkStoreException("file " + file + " is not a readable SST file: " + e.getMessage() + "; nothing imported", e);
        }
    }

    /** A RocksDB snapshot released when the block ends. */
    private static final class SnapshotScope implements AutoCloseable {
        private final RocksChunkStore store;
        final Snapshot snapshot;

        SnapshotScope(RocksChunkStore store) {
            this.store = store;
            this.snapshot = store.db().getSnapshot();
        }

        @Override
        public void close() {
            store.db().releaseSnapshot(snapshot);
            snapshot.close();
        }
    }
}
