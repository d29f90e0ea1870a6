package dev.cairn.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.plugin.PluginBackend.PluginBackendException;
import dev.cairn.plugin.PluginBackend.VolumeView;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 4 and the traps in shared/notes/docker-volume-plugin.md: Mount IDs are counted, not
 * collected into a set ({@code docker cp} re-sends a running container's ID); Unmount of an unknown
 * ID is accepted; the last Unmount unmounts and detaches; a restart loses no reference; leaked
 * references are released only when no running container uses the volume.
 */
class VolumeDriverTest {
    @TempDir
    Path dir;

    final List<String> calls = new ArrayList<>();
    final FakeBackend backend = new FakeBackend();
    final FakeHost host = new FakeHost();
    Instant now = Instant.parse("2026-11-23T10:00:00Z");

    VolumeDriver driver() {
        Clock clock = new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now;
            }
        };
        return new VolumeDriver(backend, host, new MountTable(dir.resolve("mounts.json")), dir, clock);
    }

    @Test
    void dockerCpReusingTheContainersIdDoesNotUnmount() {
        backend.volumes.put("db", view("db"));
        VolumeDriver d = driver();
        String mp = d.mount("db", "A");
        d.mount("db", "A"); // docker cp: Mount(A) ...
        d.unmount("db", "A"); // ... Unmount(A), while the container with ID A still runs
        assertTrue(host.mounted.contains(Path.of(mp)), "still mounted for the running container");
        assertEquals(List.of("attach db"), calls);
        d.unmount("db", "A");
        assertFalse(host.mounted.contains(Path.of(mp)));
        assertEquals(List.of("attach db", "release db", "detach db"), calls);
    }

    @Test
    void unknownIdsAreAcceptedAndChangeNothing() {
        backend.volumes.put("db", view("db"));
        VolumeDriver d = driver();
        d.unmount("db", "never-mounted");
        String mp = d.mount("db", "A");
        d.unmount("db", "B");
        assertTrue(host.mounted.contains(Path.of(mp)));
        assertEquals(List.of("attach db"), calls);
    }

    @Test
    void aRestartedPluginKeepsItsReferencesAndTheNextUnmountWorks() {
        backend.volumes.put("db", view("db"));
        String mp = driver().mount("db", "A");
        driver().mount("db", "B");
        VolumeDriver restarted = driver();
        restarted.reconcile(Set.of("db"), 0);
        assertEquals(Optional.of(mp), restarted.path("db"));
        restarted.unmount("db", "A");
        assertTrue(host.mounted.contains(Path.of(mp)));
        restarted.unmount("db", "B");
        assertFalse(host.mounted.contains(Path.of(mp)));
        assertEquals(List.of("attach db", "release db", "detach db"), calls);
    }

    @Test
    void leakedReferencesAreReleasedOnlyWhenNoRunningContainerUsesTheVolume() {
        backend.volumes.put("db", view("db"));
        VolumeDriver d = driver();
        d.mount("db", "A");
        d.reconcile(Set.of(), 60_000);
        assertEquals(List.of("attach db"), calls, "a young mount is left alone (Docker may be starting its container)");
        now = now.plusSeconds(120);
        d.reconcile(Set.of("db"), 60_000);
        assertEquals(List.of("attach db"), calls, "in use by a running container");
        d.reconcile(null, 60_000);
        assertEquals(List.of("attach db"), calls, "Docker cannot be asked: nothing is released");
        d.reconcile(Set.of(), 60_000);
        assertEquals(List.of("attach db", "release db", "detach db"), calls);
        assertTrue(d.path("db").isEmpty());
    }

    @Test
    void mountsTheTableDoesNotKnowAreTakenDown() {
        host.mounted.add(dir.resolve("mnt").resolve("orphan"));
        driver().reconcile(Set.of(), 0);
        assertEquals(List.of("release orphan", "detach orphan"), calls);
    }

    @Test
    void aMountThatVanishedIsMountedAgain() {
        backend.volumes.put("db", view("db"));
        VolumeDriver d = driver();
        String mp = d.mount("db", "A");
        host.mounted.remove(Path.of(mp)); // e.g. someone ran umount by hand
        d.mount("db", "B");
        assertTrue(host.mounted.contains(Path.of(mp)));
        assertEquals(List.of("attach db", "release db", "attach db"), calls);
    }

    @Test
    void aFailedMountDetachesAgainAndSaysWhy() {
        backend.volumes.put("db", view("db"));
        host.failMount = "mkfs.ext4 failed";
        VolumeDriver d = driver();
        var e = assertThrows(VolumeDriver.DriverException.class, () -> d.mount("db", "A"));
        assertTrue(e.getMessage().contains("mkfs.ext4 failed"), e.getMessage());
        assertEquals(List.of("attach db", "detach db"), calls);
        assertTrue(d.path("db").isEmpty());
    }

    @Test
    void aDetachTheNodeCannotTakeIsRetried() {
        backend.volumes.put("db", view("db"));
        VolumeDriver d = driver();
        d.mount("db", "A");
        backend.down = true;
        d.unmount("db", "A");
        assertEquals(List.of("attach db", "release db"), calls, "unmounted although the node could not be told");
        assertEquals(Set.of("db"), d.pendingDetaches());
        backend.down = false;
        d.reconcile(Set.of(), 0);
        assertEquals(Set.of(), d.pendingDetaches());
        assertEquals(List.of("attach db", "release db", "detach db"), calls, "the failed detach, then the retried one that went through");
    }

    @Test
    void getAnswersFromWhatItKnewWhenTheNodeIsDownAndNeverSaysNoSuchVolumeThen() {
        backend.volumes.put("db", view("db"));
        VolumeDriver d = driver();
        assertEquals("db", d.get("db").view().name());
        backend.down = true;
        assertEquals("db", d.get("db").view().name(), "answered from the last known view");
        assertThrows(VolumeDriver.NodeUnreachable.class, () -> d.get("never-seen"));
        backend.down = false;
        var e = assertThrows(VolumeDriver.DriverException.class, () -> d.get("never-seen"));
        assertEquals("no volume named never-seen in the Cairn cluster", e.getMessage());
        assertEquals("volume name is empty", assertThrows(VolumeDriver.DriverException.class, () -> d.get("")).getMessage());
    }

    @Test
    void removeIsRefusedWhileMountedHere() {
        backend.volumes.put("db", view("db"));
        VolumeDriver d = driver();
        d.mount("db", "A");
        var e = assertThrows(VolumeDriver.DriverException.class, () -> d.remove("db"));
        assertTrue(e.getMessage().contains("mounted on this host"), e.getMessage());
        assertTrue(backend.volumes.containsKey("db"));
    }

    @Test
    void createPassesTheParsedOptionsAndRefusesBadOnesBeforeAskingTheCluster() {
        VolumeDriver d = driver();
        d.create("db", Map.of("size", "1G", "replicas", "2"));
        assertEquals(1L << 30, backend.volumes.get("db").sizeBytes());
        assertEquals(2, backend.volumes.get("db").replicas());
        assertThrows(VolumeDriver.DriverException.class, () -> d.create("x", Map.of("speed", "fast")));
        assertFalse(backend.volumes.containsKey("x"));
        assertThrows(VolumeDriver.DriverException.class, () -> d.create("bad name!", Map.of()));
    }

    static VolumeView view(String name) {
        return new VolumeView(name, 1L << 30, 3, "healthy", "n1", null, 0, "ext4", "nbd://127.0.0.1:10809/" + name, "t");
    }

    final class FakeBackend implements PluginBackend {
        final Map<String, VolumeView> volumes = new LinkedHashMap<>();
        boolean down;

        private void reachable() {
            if (down) {
                throw new PluginBackendException("node down", null, true);
            }
        }

        @Override
        public NodeDefaults defaults() {
            reachable();
            return new NodeDefaults("n1", 10L << 30, 3);
        }

        @Override
        public Optional<VolumeView> get(String name) {
            reachable();
            return Optional.ofNullable(volumes.get(name));
        }

        @Override
        public List<VolumeView> list() {
            reachable();
            return List.copyOf(volumes.values());
        }

        @Override
        public VolumeView create(String name, long sizeBytes, int replicas, String filesystem) {
            reachable();
            VolumeView v = new VolumeView(name, sizeBytes, replicas, "healthy", "n1", null, 0, filesystem, null, "t");
            volumes.put(name, v);
            return v;
        }

        @Override
        public void remove(String name) {
            reachable();
            volumes.remove(name);
        }

        @Override
        public Attached attach(String name) {
            reachable();
            calls.add("attach " + name);
            return new Attached(name, "nbd://127.0.0.1:10809/" + name, 1);
        }

        @Override
        public void detach(String name) {
            reachable();
            calls.add("detach " + name);
        }
    }

    final class FakeHost implements HostMounts {
        final Set<Path> mounted = new HashSet<>();
        String failMount;

        @Override
        public Mounted mount(String volume, String nbdUri, String filesystem, Path mountpoint) {
            if (failMount != null) {
                throw new IllegalStateException(failMount);
            }
            mounted.add(mountpoint);
            return new Mounted("/dev/loop7", "/fuse/" + volume, mountpoint);
        }

        @Override
        public void release(String volume, String device, String fuseDir, Path mountpoint) {
            calls.add("release " + volume);
            if (mountpoint != null) {
                mounted.remove(mountpoint);
            }
        }

        @Override
        public Set<Path> mountedUnder(Path root) {
            Set<Path> out = new HashSet<>();
            for (Path p : mounted) {
                if (p.startsWith(root) && !p.equals(root)) {
                    out.add(p);
                }
            }
            return out;
        }

        @Override
        public boolean xfsAvailable() {
            return false;
        }
    }
}
