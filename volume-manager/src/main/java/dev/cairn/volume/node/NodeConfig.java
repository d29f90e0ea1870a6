package dev.cairn.volume.node;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.cairn.chunkstore.rocksdb.RocksChunkStoreOptions;
import dev.cairn.volume.api.ByteSize;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A node's configuration: typed values with defaults, read from a YAML file (see conf/node.yaml)
 * and command-line overrides. Every problem is reported with the key, the bad value and what a
 * good one looks like; unknown keys are errors, not silently ignored.
 */
public record NodeConfig(
        String id,
        Path dataDir,
        String raftAddress,
        String adminAddress,
        String nbdAddress,
        Path nbdSocket,
        String zone,
        long capacityBytes,
        int defaultReplicas,
        long defaultSizeBytes,
        Duration heartbeatInterval,
        Duration nodeDownAfter,
        Duration electionTimeoutMin,
        Duration electionTimeoutMax,
        long snapshotEveryEntries,
        long logSegmentBytes,
        Duration repairAfter,
        RocksChunkStoreOptions.Compression compression,
        boolean blobFiles,
        int journalThreshold) {

    /** The keys of node.yaml with their defaults, in the order the example file lists them. */
    public static final Map<String, String> DEFAULTS = defaults();

    private static final Pattern ID = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}");

    private static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("id", "");
        d.put("data-dir", "/var/lib/cairn");
        d.put("raft-address", "127.0.0.1:9500");
        d.put("admin-address", "127.0.0.1:9400");
        d.put("nbd-address", "127.0.0.1:10809");
        d.put("nbd-socket", "");
        d.put("zone", "default");
        d.put("capacity", "0");
        d.put("default-replicas", "3");
        d.put("default-size", "10G");
        d.put("heartbeat-interval", "1s");
        d.put("node-down-after", "10s");
        d.put("election-timeout-min", "1s");
        d.put("election-timeout-max", "2s");
        d.put("snapshot-every-entries", "200000");
        d.put("log-segment-size", "4M");
        d.put("repair-after", "2m");
        d.put("compression", "none");
        d.put("blob-files", RocksChunkStoreOptions.DEFAULT_BLOB_FILES ? "on" : "off");
        d.put("journal-threshold", ByteSize.format(dev.cairn.ratis.RaftHostConfig.DEFAULT_JOURNAL_ENTRY_BYTES));
        return Map.copyOf(d);
    }

    /** A configuration problem: the message names the key and says what to write instead. */
    public static final class ConfigException extends RuntimeException {
        public ConfigException(String message) {
            super(message);
        }
    }

    /**
     * Reads {@code file} (may be null: defaults only), then applies {@code overrides} (key → value,
     * same keys as the file), then validates.
     */
    public static NodeConfig load(Path file, Map<String, String> overrides) {
        Map<String, String> values = new LinkedHashMap<>(DEFAULTS);
        if (file != null) {
            values.putAll(readYaml(file));
        }
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            checkKnown(e.getKey(), "command line");
            values.put(e.getKey(), e.getValue());
        }
        return fromMap(values);
    }

    private static Map<String, String> readYaml(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException("config file " + file + " does not exist; copy conf/node.yaml and edit it");
        }
        Object parsed;
        try {
            if (Files.readString(file).isBlank()) {
                return Map.of();
            }
            parsed = new ObjectMapper(new YAMLFactory()).readValue(file.toFile(), Object.class);
        } catch (IOException e) {
            throw new ConfigException("config file " + file + " is not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (parsed == null) {
            return Map.of();
        }
        if (!(parsed instanceof Map<?, ?> map)) {
            throw new ConfigException("config file " + file + " must be a mapping of key: value lines");
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = String.valueOf(e.getKey());
            checkKnown(key, file.toString());
            Object v = e.getValue();
            if (v instanceof Map || v instanceof List) {
                throw new ConfigException("'" + key + "' in " + file + " must be a single value, not a " + (v instanceof Map ? "mapping" : "list"));
            }
            values.put(key, v == null ? "" : String.valueOf(v));
        }
        return values;
    }

    private static void checkKnown(String key, String where) {
        if (!DEFAULTS.containsKey(key)) {
            throw new ConfigException("unknown key '" + key + "' in " + where + "; known keys: " + String.join(", ", DEFAULTS.keySet()));
        }
    }

    static NodeConfig fromMap(Map<String, String> v) {
        String id = v.get("id").isEmpty() ? defaultId() : v.get("id");
        if (!ID.matcher(id).matches()) {
            throw new ConfigException("id '" + id + "' is not valid; use 1-63 letters, digits, '_', '.', '-'");
        }
        Duration min = duration(v, "election-timeout-min");
        Duration max = duration(v, "election-timeout-max");
        if (min.compareTo(max) >= 0) {
            throw new ConfigException("election-timeout-min (" + v.get("election-timeout-min") + ") must be below election-timeout-max ("
                    + v.get("election-timeout-max") + ")");
        }
        int replicas = integer(v, "default-replicas");
        if (replicas < 1 || replicas > 5) {
            throw new ConfigException("default-replicas must be 1..5, got " + replicas);
        }
        Duration heartbeat = duration(v, "heartbeat-interval");
        Duration down = duration(v, "node-down-after");
        if (down.compareTo(heartbeat.multipliedBy(3)) < 0) {
            throw new ConfigException("node-down-after (" + v.get("node-down-after") + ") must be at least 3 heartbeat intervals ("
                    + v.get("heartbeat-interval") + ")");
        }
        long segment = size(v, "log-segment-size", false);
        if (segment < (4L << 20)) {
            throw new ConfigException("log-segment-size must be at least 4M, got " + v.get("log-segment-size"));
        }
        Duration repairAfter = duration(v, "repair-after");
        if (repairAfter.compareTo(down) < 0) {
            throw new ConfigException("repair-after (" + v.get("repair-after") + ") must not be shorter than node-down-after ("
                    + v.get("node-down-after") + ")");
        }
        long journalThreshold = size(v, "journal-threshold", true);
        if (journalThreshold > (16L << 20)) {
            throw new ConfigException("journal-threshold must be at most 16M (0 turns the journal off), got " + v.get("journal-threshold"));
        }
        String nbdSocket = v.get("nbd-socket");
        return new NodeConfig(id, Path.of(v.get("data-dir")), address(v, "raft-address"), address(v, "admin-address"),
                address(v, "nbd-address"), nbdSocket.isEmpty() ? null : Path.of(nbdSocket), v.get("zone"),
                size(v, "capacity", true), replicas, size(v, "default-size", false), heartbeat, down, min, max,
                integer(v, "snapshot-every-entries"), segment, repairAfter, compression(v), onOff(v, "blob-files"),
                (int) journalThreshold);
    }

    private static RocksChunkStoreOptions.Compression compression(Map<String, String> v) {
        try {
            return RocksChunkStoreOptions.Compression.parse(v.get("compression"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage() + " (none stores blocks raw; lz4 is cheap; zstd compresses most)");
        }
    }

    private static boolean onOff(Map<String, String> v, String key) {
        return switch (v.get(key).trim().toLowerCase(java.util.Locale.ROOT)) {
            case "on", "true" -> true; // a YAML 1.1 reader may turn on / off into true / false
            case "off", "false" -> false;
            default -> throw new ConfigException(key + " '" + v.get(key) + "' must be on or off");
        };
    }

    private static String defaultId() {
        String host = System.getenv("HOSTNAME");
        return host == null || host.isBlank() ? "node-1" : host;
    }

    private static String address(Map<String, String> v, String key) {
        String value = v.get(key);
        int colon = value.lastIndexOf(':');
        try {
            int port = Integer.parseInt(value.substring(colon + 1));
            if (colon <= 0 || port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
        } catch (RuntimeException e) {
            throw new ConfigException(key + " '" + value + "' must be host:port, e.g. 127.0.0.1:9500");
        }
        return value;
    }

    private static Duration duration(Map<String, String> v, String key) {
        String value = v.get(key).trim();
        try {
            if (value.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2)));
            }
            if (value.endsWith("s")) {
                return Duration.ofMillis((long) (Double.parseDouble(value.substring(0, value.length() - 1)) * 1000));
            }
            if (value.endsWith("m")) {
                return Duration.ofSeconds(Long.parseLong(value.substring(0, value.length() - 1)) * 60);
            }
            return Duration.parse(value);
        } catch (NumberFormatException | DateTimeParseException e) {
            throw new ConfigException(key + " '" + value + "' is not a duration; write e.g. 500ms, 2s or 1m");
        }
    }

    private static int integer(Map<String, String> v, String key) {
        try {
            int n = Integer.parseInt(v.get(key).trim());
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ConfigException(key + " '" + v.get(key) + "' must be a non-negative whole number");
        }
    }

    private static long size(Map<String, String> v, String key, boolean zeroAllowed) {
        try {
            long n = ByteSize.parse(v.get(key));
            if (n == 0 && !zeroAllowed) {
                throw new IllegalArgumentException("size is zero");
            }
            return n;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key + ": " + e.getMessage());
        }
    }

    /** Where the node writes the cluster token (mode 0600) when it initializes a cluster. */
    public Path tokenFile() {
        return dataDir.resolve("token");
    }
}
