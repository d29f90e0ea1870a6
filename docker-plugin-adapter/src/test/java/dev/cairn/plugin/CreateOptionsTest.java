package dev.cairn.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 4: create options size/replicas/fs; unknown or invalid ones are refused naming the option. */
class CreateOptionsTest {
    static final PluginBackend.NodeDefaults DEFAULTS = new PluginBackend.NodeDefaults("n1", 10L << 30, 3);

    static String refusal(Map<String, String> opts, boolean xfs) {
        return assertThrows(IllegalArgumentException.class, () -> CreateOptions.parse(opts, DEFAULTS, xfs)).getMessage();
    }

    @Test
    void implicitVolumesGetTheNodeDefaults() {
        assertEquals(new CreateOptions(10L << 30, 3, "ext4"), CreateOptions.parse(null, DEFAULTS, false));
        assertEquals(new CreateOptions(10L << 30, 3, "ext4"), CreateOptions.parse(Map.of(), DEFAULTS, false));
    }

    @Test
    void sizesTakeUnitsAndReplicasAndFsAreRead() {
        assertEquals(new CreateOptions(256L << 20, 2, "xfs"),
                CreateOptions.parse(Map.of("size", "256M", "replicas", "2", "fs", "xfs"), DEFAULTS, true));
        assertEquals(new CreateOptions(1L << 30, 1, "ext4"), CreateOptions.parse(Map.of("size", "1G", "replicas", " 1 "), DEFAULTS, false));
    }

    @Test
    void everyBadOptionIsNamed() {
        assertTrue(refusal(Map.of("colour", "blue", "size", "1G"), false).startsWith("unknown option(s): colour"));
        assertTrue(refusal(Map.of("size", "lots"), false).startsWith("option size=lots"));
        assertTrue(refusal(Map.of("size", "0"), false).startsWith("option size=0"));
        assertTrue(refusal(Map.of("size", "1000"), false).contains("multiple of 4 KiB"));
        assertTrue(refusal(Map.of("replicas", "9"), false).startsWith("option replicas=9"));
        assertTrue(refusal(Map.of("replicas", "0"), false).startsWith("option replicas=0"));
        assertTrue(refusal(Map.of("replicas", "three"), false).startsWith("option replicas=three"));
        assertTrue(refusal(Map.of("fs", "btrfs"), false).startsWith("option fs=btrfs"));
        assertTrue(refusal(Map.of("fs", "xfs"), false).contains("mkfs.xfs"), "xfs only where mkfs.xfs exists");
    }
}
