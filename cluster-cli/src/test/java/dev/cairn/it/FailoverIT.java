package dev.cairn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.volume.nbdclient.NbdClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 3: three real nodes, a 3-replica volume attached to A; A is killed with -9; the volume is
 * attached on B, every byte is there, and B takes writes. A comes back, catches up, and serves
 * everything, including what was written while it was down, once the primary moves back.
 */
@Timeout(600)
class FailoverIT {
    static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    static List<String> writes(int from, int to) {
        List<String> c = new ArrayList<>();
        for (int i = from; i < to; i++) {
            c.add("write -P " + (i + 1) + " " + (i * MIB + 512L * i) + " " + (64 * 1024));
        }
        return c;
    }

    static List<String> reads(int from, int to) {
        List<String> c = new ArrayList<>();
        for (int i = from; i < to; i++) {
            c.add("read -P " + (i + 1) + " " + (i * MIB + 512L * i) + " " + (64 * 1024));
        }
        return c;
    }

    static void check(NbdTools.Result r) {
        assertEquals(0, r.exit(), r.output());
        assertFalse(r.output().contains("Pattern verification failed"), r.output());
        assertFalse(r.output().contains("failed"), r.output());
    }

    @Test
    void killThePrimaryAttachElsewhereReadEverythingThenRejoin() throws Exception {
        try (TestCluster cluster = new TestCluster(dir, 3).start()) {
            NodeProcess a = cluster.node(1);
            NodeProcess b = cluster.node(2);
            cluster.createVolume("fo", "64M", 3);
            assertEquals(200, cluster.attach("fo", a.id, false).status());
            cluster.awaitServedBy("fo", a, Duration.ofSeconds(60));
            check(NbdTools.qemuIo(NbdTools.uri(a, "fo"), writes(0, 24)));

            long killed = System.nanoTime();
            a.kill9();
            // What the Docker plugin on B does: attach until the cluster sees A down and grants it.
            Waits.until(Duration.ofSeconds(60), "attach on " + b.id + " granted", () -> cluster.attach("fo", b.id, false).status() == 200);
            cluster.awaitServedBy("fo", b, Duration.ofSeconds(60));
            try (NbdClient client = NbdClient.connect("127.0.0.1", b.nbdPort, "fo", 10_000)) {
                client.write(40 * MIB, new byte[4096], true);
            }
            double seconds = (System.nanoTime() - killed) / 1e9;
            System.out.printf("FAILOVER: %.2f s from kill -9 of the primary to the first successful write on %s%n", seconds, b.id);

            check(NbdTools.qemuIo(NbdTools.uri(b, "fo"), reads(0, 24)));
            check(NbdTools.qemuIo(NbdTools.uri(b, "fo"), writes(24, 40)));

            a.start();
            AdminHttp.Response detached = cluster.detachOn(b, "fo");
            assertEquals(200, detached.status(), "detach on " + b.id + ": " + detached.body());
            Waits.until(Duration.ofSeconds(60), "attach back on " + a.id, () -> cluster.attach("fo", a.id, false).status() == 200);
            cluster.awaitServedBy("fo", a, Duration.ofSeconds(90));
            check(NbdTools.qemuIo(NbdTools.uri(a, "fo"), reads(0, 40)));
            assertTrue(seconds < 60, "failover took " + seconds + " s");
        }
    }
}
