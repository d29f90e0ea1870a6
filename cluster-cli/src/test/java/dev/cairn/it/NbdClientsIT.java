package dev.cairn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 2: clients nobody here wrote (qemu-io, nbdinfo, fio) read and write a Cairn volume over
 * nbd:// and find every byte where they put it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(600)
class NbdClientsIT {
    static final long MIB = 1 << 20;

    @TempDir
    static Path dir;
    TestCluster cluster;
    NodeProcess primary;

    @BeforeAll
    void startOneNode() {
        cluster = new TestCluster(dir, 1);
        cluster.node(1).set("nbd-socket", dir.resolve("nbd.sock").toString());
        cluster.start();
        cluster.createVolume("vol", "256M", 1);
        primary = cluster.awaitPrimary("vol", Duration.ofSeconds(60));
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void inspectShowsTheNbdUriClientsShouldUse() {
        JsonNode info = cluster.inspect("vol");
        assertEquals(NbdTools.uri(primary, "vol"), info.get("nbd").asText());
        assertEquals(256 * MIB, info.get("sizeBytes").asLong());
        assertEquals("healthy", info.get("state").asText());
    }

    @Test
    void nbdinfoReportsTheExportAndItsSize() throws Exception {
        var r = NbdTools.run(List.of("nbdinfo", "--json", NbdTools.uri(primary, "vol")), 60);
        assertEquals(0, r.exit(), r.output());
        JsonNode export = AdminHttp.JSON.readTree(r.output()).get("exports").get(0);
        assertEquals("vol", export.get("export-name").asText());
        assertEquals(256 * MIB, export.get("export-size").asLong());
        assertTrue(export.get("can_flush").asBoolean());
        assertTrue(export.get("can_fua").asBoolean());
        assertTrue(export.get("can_trim").asBoolean());
        assertTrue(export.get("can_zero").asBoolean());
        assertFalse(export.get("is_read_only").asBoolean());
        assertEquals(4096, export.path("block_size_preferred").asInt(), r.output());
    }

    @Test
    void theUnixSocketServesTheSameExport() throws Exception {
        String uri = "nbd+unix:///vol?socket=" + dir.resolve("nbd.sock");
        var w = NbdTools.qemuIo(uri, List.of("write -P 0x3c 100M 64k"));
        assertEquals(0, w.exit(), w.output());
        var r = NbdTools.qemuIo(NbdTools.uri(primary, "vol"), List.of("read -P 0x3c 100M 64k"));
        assertEquals(0, r.exit(), r.output());
        assertFalse(r.output().contains("Pattern verification failed"), r.output());
        var info = NbdTools.run(List.of("nbdinfo", "--size", uri), 60);
        assertEquals(0, info.exit(), info.output());
        assertEquals(Long.toString(256 * MIB), info.output().trim());
    }

    /** Distinct patterns at many offsets (aligned and not), read back and verified by qemu-io itself. */
    @Test
    void qemuIoWritesPatternsAtManyOffsetsAndReadsThemBack() {
        List<String> writes = new ArrayList<>();
        List<String> reads = new ArrayList<>();
        for (int i = 0; i < 48; i++) {
            long offset = i * 5 * MIB + i * 4096L + (i % 3 == 0 ? 0 : 512L * i);
            int length = (i % 4 == 0) ? 4096 : 65536 + 512 * i;
            int pattern = 1 + i;
            writes.add("write -P " + pattern + " " + offset + " " + length);
            reads.add("read -P " + pattern + " " + offset + " " + length);
        }
        var w = NbdTools.qemuIo(NbdTools.uri(primary, "vol"), writes);
        assertEquals(0, w.exit(), w.output());
        var r = NbdTools.qemuIo(NbdTools.uri(primary, "vol"), reads);
        assertEquals(0, r.exit(), r.output());
        assertFalse(r.output().contains("Pattern verification failed"), r.output());
        assertEquals(48, r.output().lines().filter(l -> l.startsWith("read ")).count(), r.output());
    }

    @Test
    void qemuIoDiscardAndWriteZeroesReadBackAsZeros() {
        String uri = NbdTools.uri(primary, "vol");
        long base = 250 * MIB;
        var setup = NbdTools.qemuIo(uri, List.of("write -P 0x77 " + base + " 1M", "discard " + (base + 4096) + " 64k",
                "write -z " + (base + 200_000) + " 70000"));
        assertEquals(0, setup.exit(), setup.output());
        var check = NbdTools.qemuIo(uri, List.of(
                "read -P 0x77 " + base + " 4096",
                "read -P 0 " + (base + 4096) + " 64k",
                "read -P 0x77 " + (base + 4096 + 65536) + " " + (200_000 - 4096 - 65536),
                "read -P 0 " + (base + 200_000) + " 70000",
                "read -P 0x77 " + (base + 270_000) + " " + (MIB - 270_000)));
        assertEquals(0, check.exit(), check.output());
        assertFalse(check.output().contains("Pattern verification failed"), check.output());
    }

    @Test
    void fioVerifiesCrc32cOverTheWholeVolume() {
        var r = NbdTools.run(List.of("fio", "--name=verify", "--ioengine=nbd", "--uri=" + NbdTools.uri(primary, "vol"),
                "--rw=randwrite", "--bs=16k", "--iodepth=16", "--size=256M", "--verify=crc32c", "--do_verify=1",
                "--verify_fatal=1", "--verify_state_save=0", "--output-format=terse"), 600);
        assertEquals(0, r.exit(), r.output());
        assertFalse(r.output().contains("verify: bad"), r.output());
    }
}
