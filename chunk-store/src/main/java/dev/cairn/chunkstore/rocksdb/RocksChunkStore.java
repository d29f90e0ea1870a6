package dev.cairn.chunkstore.rocksdb;

import dev.cairn.chunkstore.AppliedIndex;
import dev.cairn.chunkstore.ChecksumMismatchException;
import dev.cairn.chunkstore.ChunkStore;
import dev.cairn.chunkstore.ChunkStoreException;
import dev.cairn.chunkstore.VolumeBatch;
import dev.cairn.chunkstore.VolumeExport;
import dev.cairn.chunkstore.journal.Journal;
import dev.cairn.chunkstore.journal.SegmentGoneException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.rocksdb.AbstractEventListener;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.FlushJobInfo;
import org.rocksdb.BloomFilter;
import org.rocksdb.CompressionType;
import org.rocksdb.FlushOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.Range;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The chunk store on RocksDB. One database per node, one column family (so a memtable flush never
 * separates a batch from the applied index written with it).
 *
 * <p>Durability: block batches are written with the WAL off; the Raft log is the write-ahead log
 * and the applied index written in the same batch tells a restart where to resume. {@link #sync()}
 * flushes memtables to SST files. Volume deletion and import, which no log replays, are written with
 * the WAL on and synced.
 *
 * <p>Value of a block: CRC32C (4 bytes, big-endian) followed by the block, or a {@link Pointer} into
 * the volume's journal (docs/adr/0003-header-in-log.md), where large writes' bytes are written
 * once. An all-zero block is stored as no key at all (thin provisioning: absent reads as zeros).
 * The journals live beside the database, in {@code <dir>-journal/<volumeId>/}.
 */
public final class RocksChunkStore implements ChunkStore {
    static {
        RocksDB.loadLibrary();
    }

    private final int blockSize;
    private final byte[] zeros;
    final NativeHandles handles = new NativeHandles();
    private final NativeHandles.Scoped<LRUCache> cache;
    private final NativeHandles.Scoped<BloomFilter> filter;
    private final NativeHandles.Scoped<Options> options;
    private final NativeHandles.Scoped<WriteOptions> unloggedWrites;
    private final NativeHandles.Scoped<WriteOptions> syncedWrites;
    private final NativeHandles.Scoped<ReadOptions> pointReads;
    private final NativeHandles.Scoped<FlushOptions> flushOptions;
    private final NativeHandles.Scoped<RocksDB> db;
    private final ChunkStoreMetrics metrics;
    private final ThreadLocal<byte[]> valueBuffers;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RocksChunkStore.class);
    private final VolumeFiles files;
    final VolumeJournals journals;
    private final NativeHandles.Scoped<AbstractEventListener> flushListener;
    private final ThreadLocal<ByteBuffer> recordBuffers = ThreadLocal.withInitial(() -> ByteBuffer.allocate(0));
    private volatile boolean closed;

    private RocksChunkStore(Path dir, RocksChunkStoreOptions opts, ChunkStoreMetrics metrics) throws RocksDBException {
        this.blockSize = opts.blockSize();
        this.zeros = new byte[blockSize];
        this.metrics = metrics;
        this.valueBuffers = ThreadLocal.withInitial(() -> new byte[4 + blockSize]);
        cache = handles.scope(new LRUCache(Math.max(1, opts.blockCacheBytes())));
        filter = handles.scope(new BloomFilter(10));
        BlockBasedTableConfig table = new BlockBasedTableConfig()
                .setBlockCache(cache.get())
                .setFilterPolicy(filter.get())
                .setBlockSize(16 * 1024)
                .setCacheIndexAndFilterBlocks(true)
                .setPinL0FilterAndIndexBlocksInCache(true);
        CompressionType bottom = switch (opts.compression()) {
            case NONE -> CompressionType.NO_COMPRESSION;
            case LZ4 -> CompressionType.LZ4_COMPRESSION;
            case ZSTD -> CompressionType.ZSTD_COMPRESSION;
        };
        Options o = new Options()
                .setCreateIfMissing(true)
                .setTableFormatConfig(table)
                .setWriteBufferSize(opts.writeBufferBytes())
                .setMaxWriteBufferNumber(4)
                .setMaxBackgroundJobs(2)
                .setLevelCompactionDynamicLevelBytes(true)
                .setAvoidFlushDuringShutdown(false)
                .setCompressionType(switch (opts.compression()) {
                    case NONE -> CompressionType.NO_COMPRESSION;
                    case LZ4, ZSTD -> CompressionType.LZ4_COMPRESSION;
                })
                .setBottommostCompressionType(bottom);
        if (opts.blobFiles()) {
            // Key-value separation: a flush writes blocks to blob files once and compactions move
            // only keys and blob references. Overwritten blocks are reclaimed by compactions that
            // relocate the live blocks of the oldest quarter of blob files. 1 MiB sequential
            // writes on 3 replicas: compaction writes per node halved (docs/benchmarks.md).
            o.setEnableBlobFiles(true)
                    .setMinBlobSize(blockSize)
                    .setBlobFileSize(256L << 20)
                    .setBlobCompressionType(bottom)
                    .setEnableBlobGarbageCollection(true)
                    .setBlobGarbageCollectionAgeCutoff(0.25);
        }
        // A memtable flush makes pointers durable: their journal records must be durable first
        // (a power failure must never leave a pointer to a record it lost). Apply appends a record
        // before it writes a pointer to it, so syncing every journal as a flush begins covers
        // every pointer in the flushed memtable. Without journal data pending this costs nothing.
        journals = new VolumeJournals(dir.resolveSibling(dir.getFileName() + "-journal"), opts.journalSegmentBytes());
        flushListener = handles.scope(new AbstractEventListener(AbstractEventListener.EnabledEventCallback.ON_FLUSH_BEGIN) {
            @Override
            public void onFlushBegin(RocksDB db, FlushJobInfo info) {
                try {
                    syncJournals();
                } catch (RuntimeException e) {
                    LOG.error("journal sync before a memtable flush failed: {}", e.getMessage(), e);
                }
            }
        });
        o.setListeners(List.of(flushListener.get()));
        options = handles.scope(o);
        unloggedWrites = handles.scope(new WriteOptions().setDisableWAL(true));
        syncedWrites = handles.scope(new WriteOptions().setSync(true));
        pointReads = handles.scope(new ReadOptions().setVerifyChecksums(true));
        flushOptions = handles.scope(new FlushOptions().setWaitForFlush(true));
        db = handles.scope(RocksDB.open(options.get(), dir.toString()));
        files = new VolumeFiles(this);
    }

    /** Opens (creating if needed) the store in {@code dir} with default options. */
    public static RocksChunkStore open(Path dir) {
        return open(dir, RocksChunkStoreOptions.defaults(), new ChunkStoreMetrics(new com.codahale.metrics.MetricRegistry()));
    }

    /** Opens (creating if needed) the store in {@code dir} with {@code opts}. */
    public static RocksChunkStore open(Path dir, RocksChunkStoreOptions opts) {
        return open(dir, opts, new ChunkStoreMetrics(new com.codahale.metrics.MetricRegistry()));
    }

    public static RocksChunkStore open(Path dir, RocksChunkStoreOptions opts, ChunkStoreMetrics metrics) {
        try {
            Files.createDirectories(dir);
            return new RocksChunkStore(dir, opts, metrics);
        } catch (RocksDBException | IOException e) {
            throw new ChunkStoreException("cannot open the chunk store in " + dir + ": " + e.getMessage()
                    + " (is another node using this data directory?)", e);
        }
    }

    @Override
    public int blockSize() {
        return blockSize;
    }

    RocksDB db() {
        return db.get();
    }

    NativeHandles.Scoped<Options> options() {
        return options;
    }

    WriteOptions syncedWrites() {
        return syncedWrites.get();
    }

    @Override
    public void read(long volumeId, long firstBlock, int count, ByteBuffer dst) {
        checkOpen();
        if (firstBlock < 0 || count < 0 || dst.remaining() < (long) count * blockSize) {
            throw new ChunkStoreException("bad read: block " + firstBlock + " count " + count + " into " + dst.remaining() + " bytes");
        }
        long started = System.nanoTime();
        int start = dst.position();
        try {
            try {
                readBlocks(volumeId, firstBlock, count, dst);
            } catch (SegmentGoneException e) {
                // The cleaner moved a block and deleted its segment after we found its pointer:
                // the block's value has changed since, so read again.
                dst.position(start);
                readBlocks(volumeId, firstBlock, count, dst);
            }
        } catch (RocksDBException e) {
            throw new ChunkStoreException("read of volume " + volumeId + " blocks " + firstBlock + "+" + count + " failed: " + e.getMessage(), e);
        } finally {
            metrics.read(System.nanoTime() - started, count);
        }
    }

    private void readBlocks(long volumeId, long firstBlock, int count, ByteBuffer dst) throws RocksDBException {
        if (count == 1) {
            readOne(volumeId, firstBlock, dst);
        } else if (count > 1) {
            readRange(volumeId, firstBlock, count, dst);
        }
    }

    private void readOne(long volumeId, long block, ByteBuffer dst) throws RocksDBException {
        byte[] value = valueBuffers.get();
        int found = db.get().get(pointReads.get(), Keys.block(volumeId, block), value);
        if (found == RocksDB.NOT_FOUND) {
            dst.put(zeros);
            return;
        }
        if (Pointer.is(value, found)) {
            Pointer p = Pointer.decode(value);
            int at = dst.position();
            readJournal(volumeId, p, 1, dst);
            verifyJournalBlock(volumeId, block, p.crc(), dst, at);
            return;
        }
        if (found != value.length) {
            throw corrupt(volumeId, block, "stored value has " + found + " bytes, expected " + value.length);
        }
        verify(volumeId, block, value);
        dst.put(value, 4, blockSize);
    }

    private void readRange(long volumeId, long firstBlock, int count, ByteBuffer dst) {
        int start = dst.position();
        long end = firstBlock + count;
        dst.put(start, new byte[count * blockSize]);
        try (var upper = handles.scope(new Slice(Keys.block(volumeId, end)));
             var ro = handles.scope(new ReadOptions().setIterateUpperBound(upper.get()).setVerifyChecksums(true));
             var it = handles.scope(db.get().newIterator(ro.get()))) {
            RocksIterator iterator = it.get();
            JournalRun run = new JournalRun(volumeId, dst, start, firstBlock);
            for (iterator.seek(Keys.block(volumeId, firstBlock)); iterator.isValid(); iterator.next()) {
                long block = Keys.blockIndexOf(iterator.key());
                byte[] value = iterator.value();
                if (Pointer.is(value, value.length)) {
                    run.add(block, Pointer.decode(value));
                    continue;
                }
                if (value.length != 4 + blockSize) {
                    throw corrupt(volumeId, block, "stored value has " + value.length + " bytes");
                }
                verify(volumeId, block, value);
                dst.put(start + (int) (block - firstBlock) * blockSize, value, 4, blockSize);
            }
            run.finish();
        }
        dst.position(start + count * blockSize);
    }

    /**
     * Blocks of a range read that point into the journal, gathered into runs of consecutive blocks
     * lying back to back in one segment, each run read with one pread.
     */
    private final class JournalRun {
        private final long volumeId;
        private final ByteBuffer dst;
        private final int dstStart;
        private final long firstBlock;
        private long runBlock = -1;
        private Pointer runStart;
        private int[] crcs = new int[16];
        private int length;

        JournalRun(long volumeId, ByteBuffer dst, int dstStart, long firstBlock) {
            this.volumeId = volumeId;
            this.dst = dst;
            this.dstStart = dstStart;
            this.firstBlock = firstBlock;
        }

        void add(long block, Pointer p) {
            if (length > 0 && (block != runBlock + length || p.segment() != runStart.segment()
                    || p.offset() != runStart.offset() + (long) length * blockSize)) {
                finish();
            }
            if (length == 0) {
                runBlock = block;
                runStart = p;
            }
            if (length == crcs.length) {
                crcs = Arrays.copyOf(crcs, length * 2);
            }
            crcs[length++] = p.crc();
        }

        void finish() {
            if (length == 0) {
                return;
            }
            int at = dstStart + (int) (runBlock - firstBlock) * blockSize;
            ByteBuffer slice = dst.duplicate().position(at).limit(at + length * blockSize);
            readJournal(volumeId, runStart, length, slice);
            for (int i = 0; i < length; i++) {
                verifyJournalBlock(volumeId, runBlock + i, crcs[i], dst, at + i * blockSize);
            }
            length = 0;
        }
    }

    private void readJournal(long volumeId, Pointer p, int blocks, ByteBuffer dst) {
        Journal journal = journals.find(volumeId);
        if (journal == null) {
            throw new ChunkStoreException("volume " + volumeId + " has blocks in a journal that is missing: the replica"
                    + " must be rebuilt (docs/operations.md)");
        }
        ByteBuffer slice = dst.duplicate().limit(dst.position() + blocks * blockSize);
        journal.readRaw(p.segment(), p.offset(), slice);
        dst.position(dst.position() + blocks * blockSize);
    }

    private void verifyJournalBlock(long volumeId, long block, int expected, ByteBuffer buf, int at) {
        verify(volumeId, block, expected, buf.duplicate().position(at).limit(at + blockSize));
    }

    /** Checks an inline value (crc, then the block). */
    private void verify(long volumeId, long block, byte[] value) {
        verify(volumeId, block, ByteBuffer.wrap(value, 0, 4).getInt(), ByteBuffer.wrap(value, 4, blockSize));
    }

    /** Checks the block in {@code bytes} (its remaining bytes) against the crc stored for it. */
    private void verify(long volumeId, long block, int expected, ByteBuffer bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        int actual = (int) crc.getValue();
        if (expected != actual) {
            metrics.checksumFailure();
            throw new ChecksumMismatchException(volumeId, block, expected, actual);
        }
    }

    private ChunkStoreException corrupt(long volumeId, long block, String what) {
        metrics.checksumFailure();
        return new ChunkStoreException("volume " + volumeId + " block " + block + " is corrupt: " + what);
    }

    @Override
    public void apply(VolumeBatch batch) {
        checkOpen();
        validate(batch);
        long started = System.nanoTime();
        try (var wb = handles.scope(new WriteBatch())) {
            JournalRecords records = null;
            for (VolumeBatch.Op op : batch.ops()) {
                switch (op) {
                    case VolumeBatch.Put put -> putBlock(wb.get(), batch.volumeId(), put);
                    case VolumeBatch.PutFromJournal ref -> {
                        if (records == null) {
                            records = new JournalRecords(batch.volumeId());
                        }
                        putPointer(wb.get(), batch.volumeId(), ref, records);
                    }
                    case VolumeBatch.DeleteRange del -> wb.get().deleteRange(Keys.block(batch.volumeId(), del.firstBlock()),
                            Keys.block(batch.volumeId(), del.firstBlock() + del.count()));
                }
            }
            wb.get().put(Keys.applied(batch.volumeId()), encode(batch.appliedIndex()));
            db.get().write(unloggedWrites.get(), wb.get());
        } catch (RocksDBException e) {
            throw new ChunkStoreException("batch for volume " + batch.volumeId() + " at index " + batch.appliedIndex().index()
                    + " was not applied: " + e.getMessage(), e);
        }
        metrics.applied(System.nanoTime() - started, batch.ops().size());
    }

    private void validate(VolumeBatch batch) {
        if (batch.volumeId() < 0) {
            throw new ChunkStoreException("volume id " + batch.volumeId() + " is negative");
        }
        for (VolumeBatch.Op op : batch.ops()) {
            switch (op) {
                case VolumeBatch.Put put -> {
                    if (put.blockIndex() < 0 || put.data().remaining() != blockSize) {
                        throw new ChunkStoreException("bad put in batch for volume " + batch.volumeId() + ": block " + put.blockIndex()
                                + " with " + put.data().remaining() + " bytes (block size " + blockSize + "); nothing applied");
                    }
                }
                case VolumeBatch.PutFromJournal ref -> {
                    if (ref.blockIndex() < 0 || ref.recordOffset() < 0) {
                        throw new ChunkStoreException("bad journal put in batch for volume " + batch.volumeId() + ": block "
                                + ref.blockIndex() + " at record offset " + ref.recordOffset() + "; nothing applied");
                    }
                }
                case VolumeBatch.DeleteRange del -> {
                    if (del.firstBlock() < 0 || del.count() <= 0 || del.firstBlock() > Long.MAX_VALUE - del.count()) {
                        throw new ChunkStoreException("bad delete range in batch for volume " + batch.volumeId() + ": "
                                + del.firstBlock() + "+" + del.count() + "; nothing applied");
                    }
                }
            }
        }
    }

    private void putBlock(WriteBatch wb, long volumeId, VolumeBatch.Put put) throws RocksDBException {
        byte[] key = Keys.block(volumeId, put.blockIndex());
        byte[] value = new byte[4 + blockSize];
        put.data().duplicate().get(value, 4, blockSize);
        if (Arrays.mismatch(value, 4, 4 + blockSize, zeros, 0, blockSize) == -1) {
            wb.delete(key);
            return;
        }
        CRC32C crc = new CRC32C();
        crc.update(value, 4, blockSize);
        ByteBuffer.wrap(value, 0, 4).putInt((int) crc.getValue());
        wb.put(key, value);
    }

    /** The journal records a batch points into, each read (and checked) once. */
    private final class JournalRecords {
        private final long volumeId;
        private final Journal journal;
        private long seq = -1;
        private long term;
        private Journal.Location at;
        private ByteBuffer data;

        JournalRecords(long volumeId) {
            this.volumeId = volumeId;
            this.journal = journals.find(volumeId);
        }

        /** Loads record (seq, term) as the current one. */
        void load(long seq, long term) {
            if (seq == this.seq && term == this.term) {
                return;
            }
            Journal.Location loc = journal == null ? null : journal.find(seq, term);
            if (loc == null) {
                throw new ChunkStoreException("volume " + volumeId + ": the journal has no record " + seq + " of term " + term
                        + " (lost in a power failure before it was synced?): the replica must be rebuilt (docs/operations.md)");
            }
            ByteBuffer buf = recordBuffers.get();
            if (buf.capacity() < loc.length()) {
                buf = ByteBuffer.allocate(loc.length());
                recordBuffers.set(buf);
            }
            buf.clear().limit(loc.length());
            journal.read(loc, buf);
            this.seq = seq;
            this.term = term;
            this.at = loc;
            this.data = buf.flip();
        }
    }

    private void putPointer(WriteBatch wb, long volumeId, VolumeBatch.PutFromJournal ref, JournalRecords records)
            throws RocksDBException {
        records.load(ref.seq(), ref.term());
        if (ref.recordOffset() > records.at.length() - blockSize) {
            throw new ChunkStoreException("journal put of volume " + volumeId + " block " + ref.blockIndex() + ": offset "
                    + ref.recordOffset() + " is beyond record " + ref.seq() + " of " + records.at.length() + " bytes");
        }
        byte[] key = Keys.block(volumeId, ref.blockIndex());
        byte[] array = records.data.array();
        int from = records.data.arrayOffset() + ref.recordOffset();
        if (Arrays.mismatch(array, from, from + blockSize, zeros, 0, blockSize) == -1) {
            wb.delete(key);
            return;
        }
        CRC32C crc = new CRC32C();
        crc.update(array, from, blockSize);
        wb.put(key, new Pointer(records.at.segment(), records.at.offset() + ref.recordOffset(), (int) crc.getValue()).encode());
    }

    /** The value a block would have if its bytes were stored inline: for exports and the cleaner. */
    byte[] inlineValue(long volumeId, long block, byte[] value) {
        if (!Pointer.is(value, value.length)) {
            return value;
        }
        Pointer p = Pointer.decode(value);
        ByteBuffer buf = ByteBuffer.allocate(4 + blockSize);
        buf.position(4);
        readJournal(volumeId, p, 1, buf);
        verifyJournalBlock(volumeId, block, p.crc(), buf, 4);
        buf.putInt(0, p.crc());
        return buf.array();
    }

    static byte[] encode(AppliedIndex index) {
        return ByteBuffer.allocate(16).putLong(index.term()).putLong(index.index()).array();
    }

    static AppliedIndex decode(byte[] value) {
        ByteBuffer b = ByteBuffer.wrap(value);
        return new AppliedIndex(b.getLong(), b.getLong());
    }

    @Override
    public AppliedIndex appliedIndex(long volumeId) {
        checkOpen();
        try {
            byte[] value = db.get().get(Keys.applied(volumeId));
            return value == null ? AppliedIndex.NONE : decode(value);
        } catch (RocksDBException e) {
            throw new ChunkStoreException("cannot read the applied index of volume " + volumeId + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void sync() {
        checkOpen();
        try {
            db.get().flush(flushOptions.get());
        } catch (RocksDBException e) {
            throw new ChunkStoreException("sync failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void deleteVolume(long volumeId) {
        checkOpen();
        try (var wb = handles.scope(new WriteBatch())) {
            wb.get().deleteRange(Keys.block(volumeId, 0), Keys.blocksEnd(volumeId));
            wb.get().delete(Keys.applied(volumeId));
            db.get().write(syncedWrites.get(), wb.get());
        } catch (RocksDBException e) {
            throw new ChunkStoreException("cannot delete volume " + volumeId + ": " + e.getMessage(), e);
        }
        journals.delete(volumeId);
    }

    @Override
    public VolumeExport exportVolume(long volumeId, Path file) {
        checkOpen();
        return files.export(volumeId, file);
    }

    @Override
    public AppliedIndex importVolume(long volumeId, Path file) {
        checkOpen();
        return files.importFile(volumeId, file);
    }

    @Override
    public long storedBytes(long volumeId) {
        checkOpen();
        try (var start = handles.scope(new Slice(Keys.block(volumeId, 0)));
             var end = handles.scope(new Slice(Keys.blocksEnd(volumeId)))) {
            List<Range> range = List.of(new Range(start.get(), end.get()));
            long inFiles = db.get().getApproximateSizes(range, org.rocksdb.SizeApproximationFlag.INCLUDE_FILES)[0];
            long inMemory = db.get().getApproximateSizes(range, org.rocksdb.SizeApproximationFlag.INCLUDE_MEMTABLES)[0];
            Journal journal = journals.find(volumeId);
            return inFiles + inMemory + blobShare(inFiles) + (journal == null ? 0 : journal.bytes());
        } catch (RocksDBException e) {
            throw new ChunkStoreException("cannot size volume " + volumeId + ": " + e.getMessage(), e);
        }
    }

    /**
     * The part of the blob files' live bytes that belongs to a key range holding {@code inFiles}
     * bytes of SST files. RocksDB sizes key ranges by their SST bytes only; with blob files those
     * hold keys and blob references, in proportion to the blocks, so the range gets that share.
     */
    private long blobShare(long inFiles) throws RocksDBException {
        long blobs = db.get().getLongProperty("rocksdb.live-blob-file-size");
        if (blobs <= 0) {
            return 0; // blob files never used: nothing more to read (the usual case, per heartbeat)
        }
        blobs -= db.get().getLongProperty("rocksdb.live-blob-file-garbage-size");
        long sst = db.get().getLongProperty("rocksdb.live-sst-files-size");
        if (blobs <= 0 || sst <= 0) {
            return 0;
        }
        return (long) (blobs * Math.min(1.0, (double) inFiles / sst));
    }

    private void syncJournals() {
        for (Journal j : journals.all()) {
            j.sync();
        }
    }

    @Override
    public void journalAppend(long volumeId, long seq, long term, ByteBuffer data) {
        checkOpen();
        journals.create(volumeId).append(seq, term, data);
    }

    @Override
    public void journalSync(long volumeId) {
        checkOpen();
        Journal j = journals.find(volumeId);
        if (j != null) {
            j.sync();
        }
    }

    @Override
    public ByteBuffer journalRead(long volumeId, long seq, long term) {
        checkOpen();
        Journal j = journals.find(volumeId);
        Journal.Location at = j == null ? null : j.find(seq, term);
        if (at == null) {
            return null;
        }
        ByteBuffer buf = ByteBuffer.allocate(at.length());
        j.read(at, buf);
        return buf.flip();
    }

    @Override
    public void journalTruncateAfter(long volumeId, long seq) {
        checkOpen();
        Journal j = journals.find(volumeId);
        if (j != null) {
            j.truncateAfter(seq);
        }
    }

    @Override
    public JournalCleaning cleanJournal(long volumeId, long keepFromSeq) {
        checkOpen();
        Journal j = journals.find(volumeId);
        if (j == null) {
            return new JournalCleaning(0, 0, 0, 0);
        }
        return new JournalCleaner(this, volumeId, j).clean(keepFromSeq);
    }

    private void checkOpen() {
        if (closed) {
            throw new ChunkStoreException("the chunk store is closed");
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            db.get().flush(flushOptions.get()); // syncs the journals first (the flush listener)
        } catch (RocksDBException e) {
            // closing anyway; the Raft log replays what the memtable held
        }
        db.close();
        journals.close();
        flushOptions.close();
        pointReads.close();
        syncedWrites.close();
        unloggedWrites.close();
        options.close();
        flushListener.close();
        filter.close();
        cache.close();
    }

    /** Checksum failures seen so far. For tests. */
    long metricsFailures() {
        return metrics.registry().meter("chunkstore.checksum.failures").getCount();
    }

    /** Native handles still open; 0 after {@link #close()}. For leak tests. */
    long openHandles() {
        return handles.open();
    }
}
