package dev.cairn.plugin;

import dev.cairn.volume.api.ByteSize;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code -o key=value} options of {@code docker volume create -d cairn}: {@code size} (with
 * units), {@code replicas} (1..5) and {@code fs} (ext4, or xfs where mkfs.xfs exists). Unknown and
 * invalid options are refused with an error that names the option; absent ones take the node's
 * defaults (Docker's implicit and anonymous volumes arrive with no options at all).
 */
record CreateOptions(long sizeBytes, int replicas, String filesystem) {
    static final Set<String> KEYS = Set.of("size", "replicas", "fs");

    static CreateOptions parse(Map<String, String> opts, PluginBackend.NodeDefaults defaults, boolean xfsAvailable) {
        Map<String, String> o = opts == null ? Map.of() : opts;
        Set<String> unknown = new TreeSet<>(o.keySet());
        unknown.removeAll(KEYS);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown option(s): " + String.join(", ", unknown)
                    + "; cairn accepts size (e.g. 10G), replicas (1-5) and fs (ext4 or xfs)");
        }
        long size = defaults.sizeBytes();
        if (o.containsKey("size")) {
            try {
                size = ByteSize.parse(o.get("size"));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("option size=" + o.get("size") + ": " + e.getMessage());
            }
            if (size <= 0 || size % 4096 != 0) {
                throw new IllegalArgumentException("option size=" + o.get("size") + " must be a positive multiple of 4 KiB (e.g. -o size=10G)");
            }
        }
        int replicas = defaults.replicas();
        if (o.containsKey("replicas")) {
            try {
                replicas = Integer.parseInt(o.get("replicas").trim());
            } catch (NumberFormatException e) {
                replicas = -1;
            }
            if (replicas < 1 || replicas > 5) {
                throw new IllegalArgumentException("option replicas=" + o.get("replicas") + " must be a number from 1 to 5");
            }
        }
        String fs = o.getOrDefault("fs", "ext4");
        if (!fs.equals("ext4") && !fs.equals("xfs")) {
            throw new IllegalArgumentException("option fs=" + fs + " is not supported; use ext4 or xfs");
        }
        if (fs.equals("xfs") && !xfsAvailable) {
            throw new IllegalArgumentException("option fs=xfs needs mkfs.xfs on this host (apt-get install xfsprogs), or use fs=ext4");
        }
        return new CreateOptions(size, replicas, fs);
    }
}
