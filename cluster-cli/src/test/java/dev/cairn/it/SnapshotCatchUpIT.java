package dev.cairn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 3: a replica that was down while the log was purged behind a snapshot catches up by
 * snapshot install (the entries it missed no longer exist anywhere as log), then serves the data.
 */
@Timeout(600)
class SnapshotCatchUpIT {
    static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void aReplicaDownDuringAPurgeCatchesUpFromTheSnapshot() throws Exception {
        try (TestCluster cluster = new TestCluster(dir, 3)) {
            for (NodeProcess n : cluster.nodes) {
                n.set("snapshot-every-entries", "64").set("log-segment-size", "4M");
            }
            cluster.start();
            NodeProcess a = cluster.node(1);
            NodeProcess c = cluster.node(3);
            cluster.createVolume("snap", "64M", 3);
            assertEquals(200, cluster.attach("snap", a.id, false).status());
            cluster.awaitServedBy("snap", a, Duration.ofSeconds(60));

            c.stop();
            // 48 MiB in 256 KiB writes: ~190 entries, several closed 4 MiB segments, snapshots every 64.
            List<String> writes = new ArrayList<>();
            List<String> reads = new ArrayList<>();
            for (int i = 0; i < 192; i++) {
                writes.add("write -P " + (1 + i % 250) + " " + (i * 256 * 1024L) + " 256k");
                reads.add("read -P " + (1 + i % 250) + " " + (i * 256 * 1024L) + " 256k");
            }
            FailoverIT.check(NbdTools.qemuIo(NbdTools.uri(a, "snap"), writes));
            assertTrue(logPurged(a), "the primary purged log segments behind its snapshot");

            c.start();
            System.out.println("SNAPSHOT-IT: node-3 restarted; logs in " + c.log());
            assertEquals(200, cluster.detach("snap", a.id).status());
            Waits.until(Duration.ofSeconds(60), "attach on " + c.id, () -> cluster.attach("snap", c.id, false).status() == 200);
            cluster.awaitServedBy("snap", c, Duration.ofSeconds(120));
            FailoverIT.check(NbdTools.qemuIo(NbdTools.uri(c, "snap"), reads));
            String log = Files.readString(c.log());
            assertTrue(log.contains("installing snapshot"), "node-3 installed a snapshot:\n" + c.tail());
        }
    }

    /** True if the volume group's log on this node no longer starts at index 0. */
    static boolean logPurged(NodeProcess node) throws Exception {
        try (Stream<Path> groups = Files.list(node.dataDir.resolve("raft"))) {
            for (Path group : groups.toList()) {
                Path current = group.resolve("current");
                if (!Files.isDirectory(group.resolve("sm")) || !Files.isDirectory(current)) {
                    continue;
                }
                try (Stream<Path> files = Files.list(current)) {
                    List<String> names = files.map(p -> p.getFileName().toString()).toList();
                    boolean volumeGroup = names.stream().anyMatch(n -> n.startsWith("log_"));
                    if (volumeGroup && names.stream().noneMatch(n -> n.startsWith("log_0-") || n.equals("log_inprogress_0"))
                            && snapshotsIn(group.resolve("sm")) > 0) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    static long snapshotsIn(Path sm) throws Exception {
        try (Stream<Path> files = Files.list(sm)) {
            return files.filter(p -> p.getFileName().toString().startsWith("snapshot.")).count();
        }
    }

}
