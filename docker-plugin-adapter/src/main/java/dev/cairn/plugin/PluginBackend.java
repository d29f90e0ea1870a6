package dev.cairn.plugin;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the Docker volume plugin needs from the Cairn node on its host. {@link NodeApiBackend} is the
 * real one (the node's admin API); unit tests use a fake. Every method may throw
 * {@link PluginBackendException} with a message fit to show a Docker user.
 */
public interface PluginBackend {

    /** A volume as the cluster knows it (the node's local view: fast, maybe a little stale). */
    record VolumeView(String name, long sizeBytes, int replicas, String health, String primary,
                      String attachedHost, long epoch, String filesystem, String nbd, String createdAt) {
    }

    /** Where to reach a volume's NBD export once attached here, and the attachment's epoch. */
    record Attached(String name, String uri, long epoch) {
    }

    /** This node's id (the "host" of attachments) and its defaults for volumes made without options. */
    record NodeDefaults(String nodeId, long sizeBytes, int replicas) {
    }

    NodeDefaults defaults();

    /** Empty if the cluster has no such volume; an exception if the node cannot be asked. */
    Optional<VolumeView> get(String name);

    List<VolumeView> list();

    /** Creates the volume; succeeds if it already exists with the same size, replicas and filesystem. */
    VolumeView create(String name, long sizeBytes, int replicas, String filesystem);

    /** Removes the volume; refused (naming the holder) while it is attached anywhere. */
    void remove(String name);

    /**
     * Attaches the volume to this node and waits, bounded, until an NBD export serves it. A live
     * holder elsewhere: refused, naming it. A holder the cluster no longer hears from: waits until the
     * cluster marks it down, then the attach is granted with a new epoch (which fences the holder).
     */
    Attached attach(String name);

    /** Detaches from this node; a no-op if not attached here. */
    void detach(String name);

    /** Volume facts Docker shows in {@code docker volume inspect} (Status). */
    static Map<String, Object> status(VolumeView v) {
        Map<String, Object> s = new java.util.LinkedHashMap<>();
        s.put("size", v.sizeBytes());
        s.put("replicas", v.replicas());
        s.put("health", v.health());
        s.put("primary", v.primary() == null ? "" : v.primary());
        s.put("attachedTo", v.attachedHost() == null ? "" : v.attachedHost());
        s.put("epoch", v.epoch());
        s.put("filesystem", v.filesystem() == null ? "" : v.filesystem());
        s.put("nbd", v.nbd() == null ? "" : v.nbd());
        return s;
    }

    /** A refusal or failure whose message is shown to the Docker user as the plugin's Err. */
    final class PluginBackendException extends RuntimeException {
        private final boolean unreachable;

        public PluginBackendException(String message) {
            this(message, null, false);
        }

        public PluginBackendException(String message, Throwable cause, boolean unreachable) {
            super(message, cause);
            this.unreachable = unreachable;
        }

        /** True when the node could not be asked at all (as opposed to a refusal). */
        public boolean unreachable() {
            return unreachable;
        }
    }
}
