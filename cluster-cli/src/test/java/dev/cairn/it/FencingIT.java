package dev.cairn.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.volume.nbdclient.NbdClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 3 / DESIGN.md: after a forced attach elsewhere, a write through the old attachment's epoch
 * is refused by the state machine and the data is unchanged. The volume has replicas on nodes 1 and
 * 2 only, and is force-attached to node 3 (no replica): the primary stays where it is, so what
 * refuses the old connection's write is the epoch check, not a leadership change.
 */
@Timeout(300)
class FencingIT {
    @TempDir
    Path dir;

    @Test
    void aWriteWithTheOldEpochIsRefusedAndChangesNothing() throws Exception {
        try (TestCluster cluster = new TestCluster(dir, 3).start()) {
            JsonNode created = cluster.createVolume("fence", "16M", 2);
            String holder = created.get("replicaSet").get(0).get("node").asText();
            String other = cluster.nodes.stream().map(n -> n.id)
                    .filter(id -> created.get("replicaSet").findValuesAsText("node").stream().noneMatch(id::equals)).findFirst().orElseThrow();
            assertEquals(200, cluster.attach("fence", holder, false).status());
            NodeProcess primary = cluster.node(holder);
            cluster.awaitServedBy("fence", primary, Duration.ofSeconds(60));

            byte[] before = new byte[4096];
            Arrays.fill(before, (byte) 0x11);
            try (NbdClient old = NbdClient.connect("127.0.0.1", primary.nbdPort, "fence", 10_000)) {
                old.write(0, before, true);

                var refused = cluster.attach("fence", other, false);
                assertEquals(409, refused.status(), "a live holder keeps the volume without --force: " + refused.body());
                assertTrue(refused.body().get("error").asText().contains(holder), refused.body().toString());

                var forced = cluster.attach("fence", other, true);
                assertEquals(200, forced.status(), forced.body().toString());
                assertEquals(2, forced.body().get("attachment").get("epoch").asLong());
                // The primary (still the holder: `other` has no replica) records the new epoch in the
                // volume's log within a reconcile pass. Writes the old connection makes before that are
                // ordered before the fence and may succeed; the first one after it must be refused.
                byte[] lastAccepted = before;
                NbdClient.NbdErrorReply refusal = null;
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                for (int i = 1; refusal == null && System.nanoTime() < deadline; i++) {
                    byte[] attempt = new byte[4096];
                    Arrays.fill(attempt, (byte) (0x20 + (i % 64)));
                    try {
                        old.write(0, attempt, true);
                        lastAccepted = attempt;
                        Thread.sleep(50);
                    } catch (NbdClient.NbdErrorReply e) {
                        refusal = e;
                    }
                }
                assertTrue(refusal != null, "the old attachment's writes were never refused");
                assertEquals(1, refusal.error(), "EPERM for a fenced write");
                var again = assertThrows(NbdClient.NbdErrorReply.class, () -> old.write(4096, new byte[4096], false));
                assertEquals(1, again.error(), "stays fenced");
                before = lastAccepted;
            }
            try (NbdClient fresh = NbdClient.connect("127.0.0.1", primary.nbdPort, "fence", 10_000)) {
                assertArrayEquals(before, fresh.read(0, 4096), "the fenced write changed nothing");
                assertArrayEquals(new byte[4096], fresh.read(4096, 4096), "the second fenced write changed nothing");
                byte[] now = new byte[4096];
                Arrays.fill(now, (byte) 0x33);
                fresh.write(0, now, true);
                assertArrayEquals(now, fresh.read(0, 4096), "a connection with the new epoch writes");
            }
        }
    }
}
