package dev.cairn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 3: four nodes, a 3-replica volume, one replica's node stopped for good: the cluster
 * restores the replica count on the fourth node, which catches up, and the data read from it
 * (after moving the primary there) matches.
 */
@Timeout(600)
class ReReplicationIT {
    @TempDir
    Path dir;

    @Test
    void aLostReplicaIsRebuiltOnTheFourthNode() throws Exception {
        try (TestCluster cluster = new TestCluster(dir, 4)) {
            cluster.nodes.forEach(n -> n.set("repair-after", "8s"));
            cluster.start();
            JsonNode created = cluster.createVolume("rr", "32M", 3);
            List<String> replicas = created.get("replicaSet").findValuesAsText("node");
            NodeProcess primary = cluster.node(replicas.get(0));
            NodeProcess victim = cluster.node(replicas.get(2));
            NodeProcess spare = cluster.nodes.stream().filter(n -> !replicas.contains(n.id)).findFirst().orElseThrow();
            assertEquals(200, cluster.attach("rr", primary.id, false).status());
            cluster.awaitServedBy("rr", primary, Duration.ofSeconds(60));
            List<String> writes = new ArrayList<>();
            List<String> reads = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                writes.add("write -P " + (i + 3) + " " + (i * 1024 * 1024L) + " 256k");
                reads.add("read -P " + (i + 3) + " " + (i * 1024 * 1024L) + " 256k");
            }
            FailoverIT.check(NbdTools.qemuIo(NbdTools.uri(primary, "rr"), writes));

            victim.stop();
            long stopped = System.nanoTime();
            Waits.until(Duration.ofSeconds(120), "the replica set to move from " + victim.id + " to " + spare.id, () -> {
                JsonNode v = cluster.inspect("rr");
                List<String> now = v.get("replicaSet").findValuesAsText("node");
                return now.contains(spare.id) && !now.contains(victim.id) && v.get("state").asText().equals("healthy");
            });
            System.out.printf("RE-REPLICATION: %.1f s from stopping %s to a healthy replica set with %s%n",
                    (System.nanoTime() - stopped) / 1e9, victim.id, spare.id);
            // Progress was visible while it caught up, and the cluster status reports the volume healthy.
            JsonNode status = cluster.anyAdmin().get("/v1/cluster").body();
            assertEquals("healthy", status.get("volumes").get(0).get("state").asText(), status.toString());

            assertEquals(200, cluster.detach("rr", primary.id).status());
            assertEquals(200, cluster.attach("rr", spare.id, false).status());
            cluster.awaitServedBy("rr", spare, Duration.ofSeconds(90));
            FailoverIT.check(NbdTools.qemuIo(NbdTools.uri(spare, "rr"), reads));
            assertFalse(victim.alive());
            assertTrue(cluster.inspect("rr").get("primary").asText().equals(spare.id));
        }
    }
}
