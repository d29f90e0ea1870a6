package dev.cairn.chunkstore.rocksdb;

import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The chunk store's metrics; each one is declared with its help text in {@link #HELP}. */
public final class ChunkStoreMetrics {
    /** Metric name → what it measures. */
    public static final Map<String, String> HELP = help();

    private final MetricRegistry registry;
    private final Timer applyTime;
    private final Histogram batchOps;
    private final Timer readTime;
    private final Meter blocksRead;
    private final Meter checksumFailures;

    private static Map<String, String> help() {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("chunkstore.apply.time", "time to write one volume batch (blocks + applied index) to RocksDB");
        h.put("chunkstore.apply.ops", "operations (block puts, range deletes) per applied batch");
        h.put("chunkstore.read.time", "time to read a run of blocks, checksums verified");
        h.put("chunkstore.read.blocks", "blocks read, present or absent");
        h.put("chunkstore.checksum.failures", "blocks whose stored CRC32C did not match their bytes (corruption)");
        return Map.copyOf(h);
    }

    public ChunkStoreMetrics(MetricRegistry registry) {
        this.registry = registry;
        applyTime = registry.timer("chunkstore.apply.time");
        batchOps = registry.histogram("chunkstore.apply.ops");
        readTime = registry.timer("chunkstore.read.time");
        blocksRead = registry.meter("chunkstore.read.blocks");
        checksumFailures = registry.meter("chunkstore.checksum.failures");
    }

    public MetricRegistry registry() {
        return registry;
    }

    void applied(long nanos, int ops) {
        applyTime.update(nanos, TimeUnit.NANOSECONDS);
        batchOps.update(ops);
    }

    void read(long nanos, int blocks) {
        readTime.update(nanos, TimeUnit.NANOSECONDS);
        blocksRead.mark(blocks);
    }

    void checksumFailure() {
        checksumFailures.mark();
    }
}
