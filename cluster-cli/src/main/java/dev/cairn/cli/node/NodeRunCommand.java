package dev.cairn.cli.node;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.cairn.chunkstore.rocksdb.RocksChunkStore;
import dev.cairn.chunkstore.rocksdb.RocksChunkStoreOptions;
import dev.cairn.volume.node.CairnNode;
import dev.cairn.volume.node.NodeConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cairn node run}: runs a node in the foreground until SIGTERM or SIGINT. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run a Cairn node in the foreground.",
                "Settings come from --config (see conf/node.yaml), then the flags below, then --set KEY=VALUE."})
public final class NodeRunCommand implements Callable<Integer> {

    @Option(names = "--config", description = "YAML configuration file (keys as in conf/node.yaml)")
    Path config;

    @Option(names = "--id", description = "node id (default: $HOSTNAME)")
    String id;

    @Option(names = "--data-dir", description = "data directory (default: /var/lib/cairn)")
    String dataDir;

    @Option(names = "--raft-address", description = "host:port of this node's Raft server (default: 127.0.0.1:9500)")
    String raftAddress;

    @Option(names = "--admin-address", description = "host:port of the admin API (default: 127.0.0.1:9400)")
    String adminAddress;

    @Option(names = "--nbd-address", description = "host:port of the NBD server (default: 127.0.0.1:10809)")
    String nbdAddress;

    @Option(names = "--nbd-socket", description = "unix socket path for local NBD clients")
    String nbdSocket;

    @Option(names = "--zone", description = "failure domain of this node (default: default)")
    String zone;

    @Option(names = "--set", description = "any other key of conf/node.yaml, e.g. --set node-down-after=5s")
    List<String> settings = List.of();

    @Override
    public Integer call() throws Exception {
        Map<String, String> overrides = new LinkedHashMap<>();
        put(overrides, "id", id);
        put(overrides, "data-dir", dataDir);
        put(overrides, "raft-address", raftAddress);
        put(overrides, "admin-address", adminAddress);
        put(overrides, "nbd-address", nbdAddress);
        put(overrides, "nbd-socket", nbdSocket);
        put(overrides, "zone", zone);
        for (String s : settings) {
            int eq = s.indexOf('=');
            if (eq <= 0) {
                System.err.println("cairn: --set takes KEY=VALUE, got '" + s + "'");
                return 2;
            }
            overrides.put(s.substring(0, eq), s.substring(eq + 1));
        }
        NodeConfig nodeConfig;
        try {
            nodeConfig = NodeConfig.load(config, overrides);
        } catch (NodeConfig.ConfigException e) {
            System.err.println("cairn: " + e.getMessage());
            return 2;
        }
        ((Logger) LoggerFactory.getLogger("dev.cairn")).setLevel(Level.INFO);
        CairnNode node;
        try {
            RocksChunkStoreOptions storeOptions = RocksChunkStoreOptions.defaults().withCompression(nodeConfig.compression())
                    .withBlobFiles(nodeConfig.blobFiles());
            node = CairnNode.start(nodeConfig, dir -> RocksChunkStore.open(dir, storeOptions));
        } catch (Exception e) {
            System.err.println("cairn: node " + nodeConfig.id() + " could not start: " + e.getMessage());
            LoggerFactory.getLogger(NodeRunCommand.class).debug("start failure", e);
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            stopped.countDown();
        }, "shutdown"));
        stopped.await();
        return 0;
    }

    private static void put(Map<String, String> map, String key, String value) {
        if (value != null) {
            map.put(key, value);
        }
    }
}
