package dev.cairn.volume.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.chunkstore.rocksdb.RocksChunkStoreOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NodeConfigTest {
    @TempDir
    Path dir;

    @Test
    void theShippedExampleFileLoadsAndMatchesTheDefaults() {
        NodeConfig config = NodeConfig.load(Path.of("../conf/node.yaml"), Map.of());
        assertEquals("node-1", config.id());
        assertEquals("127.0.0.1:9500", config.raftAddress());
        assertEquals(Duration.ofSeconds(10), config.nodeDownAfter());
        assertEquals(10L << 30, config.defaultSizeBytes());
        assertNull(config.nbdSocket());
        assertEquals(RocksChunkStoreOptions.Compression.NONE, config.compression());
        assertEquals(RocksChunkStoreOptions.DEFAULT_BLOB_FILES, config.blobFiles());
        assertEquals(dev.cairn.ratis.RaftHostConfig.DEFAULT_JOURNAL_ENTRY_BYTES, config.journalThreshold());
    }

    @Test
    void theJournalThresholdIsASizeAndZeroTurnsItOff() throws IOException {
        assertEquals(64 << 10, NodeConfig.load(write("journal-threshold: 64K\n"), Map.of()).journalThreshold());
        assertEquals(0, NodeConfig.load(null, Map.of("journal-threshold", "0")).journalThreshold());
        assertEquals(4096, NodeConfig.load(null, Map.of("journal-threshold", "4096")).journalThreshold());
    }

    @Test
    void blobFilesAreSwitchedOnOrOff() throws IOException {
        assertFalse(NodeConfig.load(write("blob-files: off\n"), Map.of()).blobFiles());
        assertTrue(NodeConfig.load(write("blob-files: on\n"), Map.of()).blobFiles());
        assertFalse(NodeConfig.load(null, Map.of("blob-files", "OFF")).blobFiles());
        assertTrue(NodeConfig.load(write("blob-files: off\n"), Map.of("blob-files", "on")).blobFiles());
    }

    @Test
    void compressionIsChosenByName() throws IOException {
        assertEquals(RocksChunkStoreOptions.Compression.ZSTD, NodeConfig.load(write("compression: zstd\n"), Map.of()).compression());
        assertEquals(RocksChunkStoreOptions.Compression.LZ4, NodeConfig.load(null, Map.of("compression", "LZ4")).compression());
    }

    @Test
    void commandLineOverridesTheFile() throws IOException {
        Path file = write("id: a\nzone: z1\n");
        NodeConfig config = NodeConfig.load(file, Map.of("zone", "z2", "data-dir", "/tmp/x"));
        assertEquals("a", config.id());
        assertEquals("z2", config.zone());
        assertEquals(Path.of("/tmp/x"), config.dataDir());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "idd: x                              | unknown key 'idd'",
        "raft-address: nowhere               | raft-address 'nowhere' must be host:port",
        "admin-address: 127.0.0.1:99999      | admin-address '127.0.0.1:99999' must be host:port",
        "heartbeat-interval: soon            | heartbeat-interval 'soon' is not a duration",
        "default-replicas: 9                 | default-replicas must be 1..5",
        "default-size: 10X                   | default-size: size '10X' is not a size",
        "capacity: -1                        | capacity: size '-1' is not a size",
        "id: 'bad id'                        | id 'bad id' is not valid",
        "election-timeout-min: 3s            | election-timeout-min (3s) must be below election-timeout-max (2s)",
        "node-down-after: 2s                 | node-down-after (2s) must be at least 3 heartbeat intervals",
        "zone: [a, b]                        | 'zone' in",
        "snapshot-every-entries: many        | snapshot-every-entries 'many' must be a non-negative whole number",
        "compression: snappy                 | compression 'snappy' is not one of none, lz4, zstd",
        "compression: ''                     | compression '' is not one of none, lz4, zstd",
        "blob-files: sometimes               | blob-files 'sometimes' must be on or off",
        "blob-files: ''                      | blob-files '' must be on or off",
        "journal-threshold: 1G               | journal-threshold must be at most 16M (0 turns the journal off), got 1G",
        "journal-threshold: big              | journal-threshold: size 'big' is not a size",
    })
    void badValuesAreRejectedWithTheKeyAndAFix(String yaml, String expected) throws IOException {
        Path file = write(yaml + "\n");
        var e = assertThrows(NodeConfig.ConfigException.class, () -> NodeConfig.load(file, Map.of()));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void malformedYamlAndMissingFilesSayWhatToDo() throws IOException {
        var bad = assertThrows(NodeConfig.ConfigException.class, () -> NodeConfig.load(write("id: [unclosed\n"), Map.of()));
        assertTrue(bad.getMessage().contains("is not valid YAML"), bad.getMessage());
        var list = assertThrows(NodeConfig.ConfigException.class, () -> NodeConfig.load(write("- a\n- b\n"), Map.of()));
        assertTrue(list.getMessage().contains("must be a mapping"), list.getMessage());
        var missing = assertThrows(NodeConfig.ConfigException.class, () -> NodeConfig.load(dir.resolve("nope.yaml"), Map.of()));
        assertTrue(missing.getMessage().contains("copy conf/node.yaml"), missing.getMessage());
        var unknownFlag = assertThrows(NodeConfig.ConfigException.class, () -> NodeConfig.load(null, Map.of("colour", "red")));
        assertTrue(unknownFlag.getMessage().contains("unknown key 'colour' in command line"), unknownFlag.getMessage());
    }

    @Test
    void anEmptyFileMeansDefaults() throws IOException {
        NodeConfig config = NodeConfig.load(write(""), Map.of("id", "n9"));
        assertEquals("n9", config.id());
        assertEquals(3, config.defaultReplicas());
    }

    private Path write(String text) throws IOException {
        Path file = Files.createTempFile(dir, "node", ".yaml");
        Files.writeString(file, text);
        return file;
    }
}
