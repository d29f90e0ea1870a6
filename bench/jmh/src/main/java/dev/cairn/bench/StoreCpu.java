package dev.cairn.bench;

import dev.cairn.chunkstore.AppliedIndex;
import dev.cairn.chunkstore.VolumeBatch;
import dev.cairn.chunkstore.rocksdb.RocksChunkStore;
import dev.cairn.chunkstore.rocksdb.RocksChunkStoreOptions;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * CPU seconds per GiB applied to one chunk store, background flushes and compactions included
 * (JMH times only the calling thread). Per compression setting given on the command line: fills a
 * 1 GiB volume with random (incompressible) blocks, overwrites it sequentially, writes 512 MiB of
 * random 4 KiB blocks, overwrites it sequentially again; after each phase waits until the
 * process is idle, so each figure includes the work the phase left behind. Run by bench/store-cpu.
 */
public final class StoreCpu {
    private static final int BLOCK = 4096;
    private static final long VOLUME_BLOCKS = (1L << 30) / BLOCK;
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private final RocksChunkStore store;
    private final ByteBuffer[] payloads = new ByteBuffer[1024];
    private final SplittableRandom random = new SplittableRandom(1);
    private long index = 1;

    private StoreCpu(RocksChunkStore store) {
        this.store = store;
        for (int i = 0; i < payloads.length; i++) {
            byte[] b = new byte[BLOCK];
            random.nextBytes(b);
            payloads[i] = ByteBuffer.wrap(b).asReadOnlyBuffer();
        }
    }

    public static void main(String[] args) throws Exception {
        Path parent = Path.of(args.length > 1 ? args[1] : System.getProperty("java.io.tmpdir"));
        RocksChunkStoreOptions.Compression compression = RocksChunkStoreOptions.Compression.parse(args.length > 0 ? args[0] : "none");
        Path dir = Files.createTempDirectory(parent, "cairn-store-cpu-");
        try (RocksChunkStore store = RocksChunkStore.open(dir, RocksChunkStoreOptions.defaults().withCompression(compression))) {
            StoreCpu run = new StoreCpu(store);
            System.out.println("compression " + compression.name().toLowerCase(java.util.Locale.ROOT) + ", store in " + dir);
            run.phase("fill 1 GiB sequentially, 256 blocks per batch", false, 256, 1L << 30);
            run.phase("overwrite 1 GiB sequentially, 256 per batch", false, 256, 1L << 30);
            run.phase("512 MiB of random 4 KiB blocks, 32 per batch", true, 32, 512L << 20);
            run.phase("overwrite 1 GiB sequentially, 256 per batch", false, 256, 1L << 30);
        } finally {
            try (Stream<Path> paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private void phase(String name, boolean randomBlocks, int perBatch, long bytes) throws InterruptedException, IOException {
        long cpu0 = OS.getProcessCpuTime();
        long t0 = System.nanoTime();
        long blocks = bytes / BLOCK;
        long next = 0;
        int payload = 0;
        for (long done = 0; done < blocks; done += perBatch) {
            VolumeBatch batch = new VolumeBatch(1, new AppliedIndex(1, index++));
            for (int i = 0; i < perBatch; i++) {
                long block = randomBlocks ? random.nextLong(VOLUME_BLOCKS) : next++ % VOLUME_BLOCKS;
                batch.put(block, payloads[payload++ & (payloads.length - 1)]);
            }
            store.apply(batch);
        }
        double foreground = (System.nanoTime() - t0) / 1e9;
        long idleSince;
        do { // the flushes and compactions the phase caused: until under 5 % of a core for 2 s
            idleSince = OS.getProcessCpuTime();
            Thread.sleep(2000);
        } while (OS.getProcessCpuTime() - idleSince > 100_000_000L);
        double cpu = (idleSince - cpu0) / 1e9;
        double gib = bytes / (double) (1L << 30);
        System.out.printf("%-48s applied in %5.1f s (%4.0f MB/s), %5.1f CPU-s per GiB%n",
                name, foreground, bytes / 1e6 / foreground, cpu / gib);
    }
}
