package dev.cairn.chunkstore.rocksdb;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.codahale.metrics.MetricRegistry;
import org.junit.jupiter.api.Test;

/** STYLE.md: every metric is declared with its help text. */
class ChunkStoreMetricsTest {
    @Test
    void everyRegisteredMetricHasHelpText() {
        MetricRegistry registry = new MetricRegistry();
        new ChunkStoreMetrics(registry);
        assertEquals(ChunkStoreMetrics.HELP.keySet(), registry.getNames());
        ChunkStoreMetrics.HELP.values().forEach(help -> assertEquals(true, help.length() > 10, help));
    }
}
