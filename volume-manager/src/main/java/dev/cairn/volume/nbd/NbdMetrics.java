package dev.cairn.volume.nbd;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The NBD server's metrics; each one is declared with its help text in {@link #HELP}. */
public final class NbdMetrics {
    static final String[] COMMANDS = {"read", "write", "flush", "trim", "write_zeroes", "unknown"};

    /** Metric name → what it measures. */
    public static final Map<String, String> HELP = help();

    private final MetricRegistry registry;
    private final Counter connections;
    private final Meter protocolErrors;

    private static Map<String, String> help() {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("nbd.connections", "NBD connections open now");
        h.put("nbd.protocol.errors", "connections closed for a protocol violation (bad magic, bad flags, ...)");
        for (String c : COMMANDS) {
            h.put("nbd." + c + ".time", "time from receiving an NBD " + c + " request to its reply");
            h.put("nbd." + c + ".errors", "NBD " + c + " requests answered with an error");
            h.put("nbd." + c + ".bytes", "bytes requested by NBD " + c + " requests");
        }
        return Map.copyOf(h);
    }

    public NbdMetrics(MetricRegistry registry) {
        this.registry = registry;
        connections = registry.counter("nbd.connections");
        protocolErrors = registry.meter("nbd.protocol.errors");
        for (String c : COMMANDS) {
            registry.timer("nbd." + c + ".time");
            registry.meter("nbd." + c + ".errors");
            registry.meter("nbd." + c + ".bytes");
        }
    }

    public MetricRegistry registry() {
        return registry;
    }

    void connectionOpened() {
        connections.inc();
    }

    void connectionClosed() {
        connections.dec();
    }

    void protocolError() {
        protocolErrors.mark();
    }

    void completed(String command, long bytes, long nanos, boolean failed) {
        registry.timer("nbd." + command + ".time").update(nanos, TimeUnit.NANOSECONDS);
        registry.meter("nbd." + command + ".bytes").mark(bytes);
        if (failed) {
            registry.meter("nbd." + command + ".errors").mark();
        }
    }
}
