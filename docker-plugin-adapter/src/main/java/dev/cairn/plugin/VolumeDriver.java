package dev.cairn.plugin;

import dev.cairn.plugin.PluginBackend.PluginBackendException;
import dev.cairn.plugin.PluginBackend.VolumeView;
import dev.cairn.volume.api.VolumeNames;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What each VolumeDriver call does, independent of HTTP. Mount and Unmount of one volume are
 * serialised; references are counted per Mount ID and persisted in the {@link MountTable}; the volume
 * is attached and mounted on the first reference and unmounted and detached after the last.
 * Every refusal is a {@link DriverException} whose message is what the Docker user sees.
 */
final class VolumeDriver {
    private static final Logger LOG = LoggerFactory.getLogger(VolumeDriver.class);

    /** A plugin call that fails; its message becomes the reply's Err. */
    static final class DriverException extends RuntimeException {
        DriverException(String message) {
            super(message);
        }
    }

    /** The node could not be asked and nothing is known locally: answering Err would make Docker forget the volume. */
    static final class NodeUnreachable extends RuntimeException {
        NodeUnreachable(String message) {
            super(message);
        }
    }

    /** A volume as Get shows it: the cluster's view plus where it is mounted on this host, if it is. */
    record Described(VolumeView view, Optional<String> mountpoint) {
    }

    private final PluginBackend backend;
    private final HostMounts host;
    private final MountTable table;
    private final Path mountRoot;
    private final Path fuseRoot;
    private final Clock clock;
    private final Map<String, Object> locks = new ConcurrentHashMap<>();
    private final Map<String, VolumeView> lastKnown = new ConcurrentHashMap<>();
    private final Set<String> pendingDetach = ConcurrentHashMap.newKeySet();

    VolumeDriver(PluginBackend backend, HostMounts host, MountTable table, Path stateDir, Clock clock) {
        this.backend = backend;
        this.host = host;
        this.table = table;
        this.mountRoot = stateDir.resolve("mnt");
        this.fuseRoot = stateDir.resolve("fuse");
        this.clock = clock;
    }

    void create(String name, Map<String, String> opts) {
        validName(name);
        CreateOptions o;
        try {
            o = CreateOptions.parse(opts, call(backend::defaults), host.xfsAvailable());
        } catch (IllegalArgumentException e) {
            throw new DriverException(e.getMessage());
        }
        VolumeView v = call(() -> backend.create(name, o.sizeBytes(), o.replicas(), o.filesystem()));
        lastKnown.put(name, v);
    }

    void remove(String name) {
        validName(name);
        Optional<MountTable.Entry> local = table.get(name);
        if (local.isPresent() && local.get().total() > 0) {
            throw new DriverException("volume " + name + " is mounted on this host (" + local.get().total()
                    + " reference(s)); stop the containers using it first");
        }
        call(() -> {
            backend.remove(name);
            return null;
        });
        lastKnown.remove(name);
    }

    Described get(String name) {
        validName(name);
        Optional<VolumeView> v;
        try {
            v = backend.get(name);
        } catch (PluginBackendException e) {
            if (!e.unreachable()) {
                throw new DriverException(e.getMessage());
            }
            VolumeView cached = lastKnown.get(name);
            if (cached == null) {
                throw new NodeUnreachable(e.getMessage());
            }
            v = Optional.of(cached);
        }
        if (v.isEmpty()) {
            lastKnown.remove(name);
            throw new DriverException("no volume named " + name + " in the Cairn cluster");
        }
        lastKnown.put(name, v.get());
        return new Described(v.get(), path(name));
    }

    List<Described> list() {
        List<VolumeView> views;
        try {
            views = backend.list();
            views.forEach(v -> lastKnown.put(v.name(), v));
        } catch (PluginBackendException e) {
            if (!e.unreachable() || lastKnown.isEmpty()) {
                throw new DriverException(e.getMessage());
            }
            views = List.copyOf(lastKnown.values());
        }
        return views.stream().map(v -> new Described(v, path(v.name()))).toList();
    }

    /** Where the volume is mounted on this host, or empty. */
    Optional<String> path(String name) {
        return table.get(name).filter(e -> e.total() > 0).map(MountTable.Entry::mountpoint);
    }

    String mount(String name, String id) {
        validName(name);
        if (id == null || id.isBlank()) {
            throw new DriverException("Mount of " + name + " without an ID");
        }
        synchronized (lock(name)) {
            Optional<MountTable.Entry> existing = table.get(name);
            if (existing.isPresent()) {
                MountTable.Entry e = existing.get();
                if (host.mountedUnder(mountRoot).contains(Path.of(e.mountpoint()))) {
                    table.put(e.withRef(id, clock.millis()));
                    return e.mountpoint();
                }
                LOG.warn("volume {}: recorded as mounted at {} but it is not; mounting it again", name, e.mountpoint());
                host.release(name, e.device(), e.fuseDir(), Path.of(e.mountpoint()));
                table.remove(name);
            }
            VolumeView view = get(name).view();
            PluginBackend.Attached attached = call(() -> backend.attach(name));
            pendingDetach.remove(name);
            Path mountpoint = mountRoot.resolve(name);
            HostMounts.Mounted m;
            try {
                m = host.mount(name, attached.uri(), view.filesystem(), mountpoint);
            } catch (RuntimeException e) {
                LOG.warn("volume {}: mount failed, detaching", name, e);
                detachQuietly(name);
                throw new DriverException("cannot mount volume " + name + ": " + e.getMessage());
            }
            table.put(new MountTable.Entry(name, Map.of(id, 1), m.device(), m.fuseDir(), mountpoint.toString(),
                    attached.epoch(), clock.millis()));
            LOG.info("volume {} mounted at {} (device {}, epoch {}, mount ID {})", name, mountpoint, m.device(), attached.epoch(), shortId(id));
            return mountpoint.toString();
        }
    }

    void unmount(String name, String id) {
        validName(name);
        synchronized (lock(name)) {
            Optional<MountTable.Entry> existing = table.get(name);
            if (existing.isEmpty()) {
                LOG.info("volume {}: Unmount for ID {} but nothing is mounted; accepted", name, shortId(id));
                return;
            }
            MountTable.Entry e = existing.get();
            MountTable.Entry after = e.withoutRef(id == null ? "" : id);
            if (after.total() == e.total()) {
                LOG.info("volume {}: Unmount for unknown ID {}; accepted, {} reference(s) remain", name, shortId(id), e.total());
                return;
            }
            if (after.total() > 0) {
                table.put(after);
                return;
            }
            release(e);
        }
    }

    /** Takes a mounted volume down: unmount, disconnect, forget, detach. */
    private void release(MountTable.Entry e) {
        host.release(e.volume(), e.device(), e.fuseDir(), Path.of(e.mountpoint()));
        table.remove(e.volume());
        detachQuietly(e.volume());
        LOG.info("volume {} unmounted and detached", e.volume());
    }

    /**
     * Brings the mount table in line with the host and with Docker. Mounts under the plugin's
     * directory that the table does not know are orphans (a plugin crash between mount and record)
     * and are taken down; entries whose mount is gone (a host reboot) are dropped; entries that no
     * running container uses and that saw no Mount for {@code graceMs} are leaked references (Docker
     * skipped an Unmount) and are released. {@code inUse} is null when Docker cannot be asked.
     */
    void reconcile(Set<String> inUse, long graceMs) {
        for (Path mp : host.mountedUnder(mountRoot)) {
            String volume = mountRoot.relativize(mp).getName(0).toString();
            synchronized (lock(volume)) {
                if (table.get(volume).isEmpty()) {
                    LOG.warn("volume {}: mounted at {} but not in the mount table; taking it down", volume, mp);
                    host.release(volume, null, fuseRoot.resolve(volume).toString(), mp);
                    detachQuietly(volume);
                }
            }
        }
        for (Path fuse : host.mountedUnder(fuseRoot)) {
            String volume = fuseRoot.relativize(fuse).getName(0).toString();
            synchronized (lock(volume)) {
                if (table.get(volume).isEmpty()) {
                    LOG.warn("volume {}: nbdfuse at {} belongs to no mount; taking it down", volume, fuse);
                    host.release(volume, null, fuse.toString(), null);
                }
            }
        }
        Set<Path> mounted = host.mountedUnder(mountRoot);
        for (MountTable.Entry e : table.all().values()) {
            synchronized (lock(e.volume())) {
                Optional<MountTable.Entry> now = table.get(e.volume());
                if (now.isEmpty()) {
                    continue;
                }
                MountTable.Entry cur = now.get();
                if (!mounted.contains(Path.of(cur.mountpoint()))) {
                    LOG.warn("volume {}: recorded as mounted at {} but it is not (host restarted?); forgetting {} reference(s)",
                            cur.volume(), cur.mountpoint(), cur.total());
                    release(cur);
                } else if (inUse != null && !inUse.contains(cur.volume()) && clock.millis() - cur.lastMountMs() > graceMs) {
                    LOG.warn("volume {}: {} reference(s) but no running container uses it; releasing them (Docker skipped an Unmount)",
                            cur.volume(), cur.total());
                    release(cur);
                }
            }
        }
        for (String name : Set.copyOf(pendingDetach)) {
            synchronized (lock(name)) {
                if (table.get(name).isPresent()) {
                    pendingDetach.remove(name);
                } else {
                    detachQuietly(name);
                }
            }
        }
    }

    Set<String> pendingDetaches() {
        return Set.copyOf(pendingDetach);
    }

    private void detachQuietly(String name) {
        try {
            backend.detach(name);
            pendingDetach.remove(name);
        } catch (PluginBackendException e) {
            LOG.warn("volume {}: detach failed ({}); will retry", name, e.getMessage());
            pendingDetach.add(name);
        }
    }

    private Object lock(String name) {
        return locks.computeIfAbsent(name, k -> new Object());
    }

    private static <T> T call(Supplier<T> s) {
        try {
            return s.get();
        } catch (PluginBackendException e) {
            throw new DriverException(e.getMessage());
        }
    }

    private static void validName(String name) {
        if (name == null || name.isEmpty()) {
            throw new DriverException("volume name is empty");
        }
        try {
            VolumeNames.validate(name);
        } catch (IllegalArgumentException e) {
            throw new DriverException(e.getMessage());
        }
    }

    private static String shortId(String id) {
        return id == null ? "-" : id.substring(0, Math.min(12, id.length()));
    }
}
