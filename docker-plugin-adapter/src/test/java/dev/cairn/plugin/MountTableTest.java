package dev.cairn.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 4: per-ID reference counts persisted on disk survive a restart of the plugin. */
class MountTableTest {
    @TempDir
    Path dir;

    @Test
    void referencesSurviveReopening() {
        Path file = dir.resolve("mounts.json");
        MountTable t = new MountTable(file);
        MountTable.Entry e = new MountTable.Entry("db", Map.of("id-a", 1), "/dev/loop3", "/s/fuse/db", "/s/mnt/db", 4, 1000)
                .withRef("id-a", 2000).withRef("id-b", 3000);
        t.put(e);
        MountTable reopened = new MountTable(file);
        MountTable.Entry back = reopened.get("db").orElseThrow();
        assertEquals(Map.of("id-a", 2, "id-b", 1), back.refs());
        assertEquals(3, back.total());
        assertEquals("/dev/loop3", back.device());
        assertEquals(3000, back.lastMountMs());
        reopened.remove("db");
        assertTrue(new MountTable(file).get("db").isEmpty());
    }

    @Test
    void anUnknownIdTakesNothingAway() {
        MountTable.Entry e = new MountTable.Entry("db", Map.of("a", 2), "d", "", "m", 1, 0);
        assertEquals(2, e.withoutRef("zzz").total());
        assertEquals(1, e.withoutRef("a").total());
        assertEquals(0, e.withoutRef("a").withoutRef("a").total());
        assertTrue(e.withoutRef("a").withoutRef("a").refs().isEmpty());
    }

    @Test
    void aDamagedTableStopsThePluginWithWhatToDo() throws Exception {
        Path file = dir.resolve("mounts.json");
        Files.writeString(file, "{\"db\": {\"refs\": ");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new MountTable(file));
        assertTrue(e.getMessage().contains("findmnt"), e.getMessage());
    }
}
