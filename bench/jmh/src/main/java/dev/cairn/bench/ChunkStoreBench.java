package dev.cairn.bench;

import dev.cairn.chunkstore.AppliedIndex;
import dev.cairn.chunkstore.ChunkStore;
import dev.cairn.chunkstore.VolumeBatch;
import dev.cairn.chunkstore.rocksdb.RocksChunkStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The RocksDB chunk store through its public API, as the Raft apply thread and the read path use it:
 * {@link ChunkStore#apply} of batches of 4 KiB puts at random blocks of a 1 GiB volume, and
 * {@link ChunkStore#read} of one block and of 256 consecutive blocks (1 MiB).
 *
 * <p>Each trial opens a fresh store (default options: LZ4/ZSTD, 256 MiB block cache, 64 MiB
 * memtables) in a temporary directory, prefills the first 64 MiB of volume 1 with random data and
 * flushes it to SST files ({@link ChunkStore#sync}), so reads find data and, after warm-up, hit the
 * block cache. Time is per call: per batch for {@code applyBatch} (divide by {@code batchSize} for
 * the cost per block).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ChunkStoreBench {
    static final int BLOCK_SIZE = 4096;
    static final long VOLUME_BLOCKS = (1L << 30) / BLOCK_SIZE;
    static final int PREFILLED_BLOCKS = (64 << 20) / BLOCK_SIZE;
    static final int RANGE_BLOCKS = 256;
    static final long READ_VOLUME = 1;

    /** The store, shared by all benchmark threads of a trial. */
    @State(Scope.Benchmark)
    public static class Store {
        Path dir;
        ChunkStore store;
        /** Volume ids for applying threads: the Raft layer applies a volume's batches on one thread. */
        final AtomicLong nextVolume = new AtomicLong(READ_VOLUME);

        @Setup(Level.Trial)
        public void open() throws IOException {
            dir = Files.createTempDirectory("cairn-jmh-chunkstore-");
            store = RocksChunkStore.open(dir);
            if (store.blockSize() != BLOCK_SIZE) {
                throw new IllegalStateException("block size " + store.blockSize() + ", expected " + BLOCK_SIZE);
            }
            SplittableRandom random = new SplittableRandom(42);
            long index = 0;
            for (int first = 0; first < PREFILLED_BLOCKS; first += RANGE_BLOCKS) {
                VolumeBatch batch = new VolumeBatch(READ_VOLUME, new AppliedIndex(1, index++));
                for (int i = 0; i < RANGE_BLOCKS; i++) {
                    batch.put(first + i, randomBlock(random));
                }
                store.apply(batch);
            }
            store.sync();
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            store.close();
            try (Stream<Path> paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                    try {
                        Files.delete(p);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
        }
    }

    /** One applying thread's batches: payloads and block indexes drawn once, in setup. */
    @State(Scope.Thread)
    public static class Batches {
        static final int PAYLOADS = 1024;
        static final int INDEXES = 1 << 16;

        @Param({"1", "16", "256"})
        int batchSize;

        long volumeId;
        long nextIndex;
        ByteBuffer[] payloads;
        long[] indexes;
        int cursor;

        @Setup(Level.Trial)
        public void prepare(Store s) {
            volumeId = s.nextVolume.getAndIncrement();
            nextIndex = s.store.appliedIndex(volumeId).index() + 1;
            SplittableRandom random = new SplittableRandom(volumeId);
            payloads = new ByteBuffer[PAYLOADS];
            for (int i = 0; i < PAYLOADS; i++) {
                payloads[i] = randomBlock(random).asReadOnlyBuffer();
            }
            indexes = new long[INDEXES];
            for (int i = 0; i < INDEXES; i++) {
                indexes[i] = random.nextLong(VOLUME_BLOCKS);
            }
        }

        /** The next batch: what the state machine builds from a log entry (a few list adds). */
        VolumeBatch next() {
            VolumeBatch batch = new VolumeBatch(volumeId, new AppliedIndex(1, nextIndex++));
            for (int i = 0; i < batchSize; i++) {
                int c = cursor++ & (INDEXES - 1);
                batch.put(indexes[c], payloads[c & (PAYLOADS - 1)]);
            }
            return batch;
        }
    }

    /** One reading thread's destination buffers and random block indexes. */
    @State(Scope.Thread)
    public static class Reader {
        static final int INDEXES = 1 << 16;

        final ByteBuffer block = ByteBuffer.allocate(BLOCK_SIZE);
        final ByteBuffer range = ByteBuffer.allocate(RANGE_BLOCKS * BLOCK_SIZE);
        final int[] blocks = new int[INDEXES];
        final int[] rangeStarts = new int[INDEXES];
        int cursor;

        @Setup(Level.Trial)
        public void prepare() {
            SplittableRandom random = new SplittableRandom(7);
            for (int i = 0; i < INDEXES; i++) {
                blocks[i] = random.nextInt(PREFILLED_BLOCKS);
                rangeStarts[i] = random.nextInt(PREFILLED_BLOCKS - RANGE_BLOCKS + 1);
            }
        }
    }

    static ByteBuffer randomBlock(SplittableRandom random) {
        byte[] b = new byte[BLOCK_SIZE];
        random.nextBytes(b);
        return ByteBuffer.wrap(b);
    }

    /** One atomic batch of {@code batchSize} 4 KiB puts at random blocks (WAL off, as in production). */
    @Benchmark
    public void applyBatch(Store s, Batches b) {
        s.store.apply(b.next());
    }

    /** One 4 KiB block (a point get, CRC32C verified). */
    @Benchmark
    public ByteBuffer readBlock(Store s, Reader r) {
        ByteBuffer dst = r.block.clear();
        s.store.read(READ_VOLUME, r.blocks[r.cursor++ & (Reader.INDEXES - 1)], 1, dst);
        return dst;
    }

    /** 256 consecutive blocks, 1 MiB (an iterator over the range, each block CRC32C verified). */
    @Benchmark
    public ByteBuffer readRange(Store s, Reader r) {
        ByteBuffer dst = r.range.clear();
        s.store.read(READ_VOLUME, r.rangeStarts[r.cursor++ & (Reader.INDEXES - 1)], RANGE_BLOCKS, dst);
        return dst;
    }
}
