package dev.cairn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every node down for longer than repair-after, then back one after another: heartbeat ages in the
 * cluster state only count while a cluster leader is there to record them, so the first nodes back
 * must not "repair" the replicas of a node that is a few seconds behind them. Found by jepsen/
 * (crash-all): the replica set moved to nodes without the data, the old replicas were dropped, and
 * the volume read back zeros. The 1 MiB write (one Raft entry of 1 MiB) also covers a restart
 * that once failed in Ratis' log reader (`Resetting to invalid mark`) while the appender's byte
 * limit was 2 MiB.
 */
@Timeout(600)
class FullRestartIT {
    @TempDir
    Path dir;

    @Test
    void aWholeClusterOutageLongerThanRepairAfterMovesNoReplica() throws Exception {
        try (TestCluster cluster = new TestCluster(dir, 4)) {
            cluster.nodes.forEach(n -> n.set("repair-after", "10s"));
            cluster.start();
            JsonNode created = cluster.createVolume("fr", "16M", 3);
            Set<String> replicas = new HashSet<>(created.get("replicaSet").findValuesAsText("node"));
            List<String> ordered = created.get("replicaSet").findValuesAsText("node");
            NodeProcess primary = cluster.node(ordered.get(0));
            NodeProcess late = cluster.node(ordered.get(2));
            assertEquals(200, cluster.attach("fr", primary.id, false).status());
            cluster.awaitServedBy("fr", primary, Duration.ofSeconds(60));
            FailoverIT.check(NbdTools.qemuIo(NbdTools.uri(primary, "fr"), List.of("write -P 9 0 1M", "write -P 10 4M 256k")));

            cluster.nodes.forEach(NodeProcess::kill9);
            Thread.sleep(15_000);
            for (NodeProcess n : cluster.nodes) {
                if (n != late) {
                    n.start();
                }
            }
            Thread.sleep(1_000);
            late.start();
            Thread.sleep(20_000);

            Set<String> now = new HashSet<>(cluster.inspect("fr").get("replicaSet").findValuesAsText("node"));
            assertEquals(replicas, now, "the replica set after the restart");
            for (NodeProcess n : cluster.nodes) {
                String log = Files.readString(n.log());
                assertFalse(log.contains("replacing lost replica"), n.id + " repaired a replica of a node that was only restarting");
                assertFalse(log.contains("removing the local replica"), n.id + " dropped its replica");
            }
            cluster.awaitServedBy("fr", primary, Duration.ofSeconds(90));
            FailoverIT.check(NbdTools.qemuIo(NbdTools.uri(primary, "fr"), List.of("read -P 9 0 1M", "read -P 10 4M 256k")));
        }
    }
}
