package dev.cairn.cli.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.volume.api.ByteSize;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Optional;

/** The steps of {@code cairn dev up}, each one skipped when it is already done. */
final class DevUp {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final DevCluster c;
    private final String volume;
    private final String size;
    private final int replicas;

    DevUp(DevCluster cluster, String volume, String size, int replicas) {
        this.c = cluster;
        this.volume = volume;
        this.size = size;
        this.replicas = replicas;
    }

    int run() throws Exception {
        long bytes;
        try {
            bytes = ByteSize.parse(size);
        } catch (IllegalArgumentException e) {
            System.err.println("cairn: --size: " + e.getMessage());
            return 2;
        }
        for (int i = 1; i <= c.nodes; i++) {
            if (c.running(i).isPresent()) {
                System.out.println(c.id(i) + " already running (pid " + c.running(i).get().pid() + ")");
            } else {
                c.start(i);
                System.out.println("started " + c.id(i) + " (log " + c.log(i) + ")");
            }
        }
        for (int i = 1; i <= c.nodes; i++) {
            if (!await(i, "/v1/health", 60)) {
                System.err.println("cairn: " + c.id(i) + " did not come up within 60 s; see " + c.log(i));
                return 1;
            }
        }
        if (!Files.exists(c.tokenFile())) {
            StringBuilder peers = new StringBuilder("{\"peers\":[");
            for (int i = 2; i <= c.nodes; i++) {
                peers.append(i > 2 ? "," : "").append("{\"id\":\"").append(c.id(i)).append("\",\"raftAddress\":\"127.0.0.1:")
                        .append(c.raftPort(i)).append("\"}");
            }
            Optional<String[]> init = c.call(1, "POST", "/v1/cluster/init", peers.append("]}").toString(), null);
            if (init.isEmpty() || !init.get()[0].equals("200")) {
                System.err.println("cairn: cluster init failed: " + init.map(r -> r[1]).orElse("no answer") + "; see " + c.log(1));
                return 1;
            }
            System.out.println("formed cluster " + JSON.readTree(init.get()[1]).path("clusterId").asText());
        }
        String token = Files.readString(c.tokenFile()).trim();
        if (!awaitNodes(token, 60)) {
            System.err.println("cairn: not every node registered within 60 s; `cairn cluster status` shows which");
            return 1;
        }
        Optional<String[]> existing = c.call(1, "GET", "/v1/volumes/" + volume, null, token);
        if (existing.isPresent() && existing.get()[0].equals("404")) {
            Optional<String[]> created = c.call(1, "POST", "/v1/volumes",
                    "{\"name\":\"" + volume + "\",\"sizeBytes\":" + bytes + ",\"replicas\":" + replicas + "}", token);
            if (created.isEmpty() || !created.get()[0].equals("201")) {
                System.err.println("cairn: creating volume " + volume + " failed: " + created.map(r -> r[1]).orElse("no answer"));
                return 1;
            }
        }
        // Attach it to node 1, the node this machine's clients talk to: the primary moves there
        // (primary locality) and the NBD URI stays the same across restarts.
        Optional<String[]> attached = c.call(1, "POST", "/v1/volumes/" + volume + "/attach",
                "{\"host\":\"" + c.id(1) + "\",\"force\":false}", token);
        if (attached.isEmpty() || !attached.get()[0].equals("200")) {
            System.err.println("cairn: attaching volume " + volume + " to " + c.id(1) + " failed: "
                    + attached.map(r -> r[1]).orElse("no answer"));
            return 1;
        }
        String uri = awaitNbd(token, 60);
        if (uri == null) {
            System.err.println("cairn: volume " + volume + " has no primary serving NBD after 60 s; see the logs under " + c.dir);
            return 1;
        }
        print(uri);
        return 0;
    }

    private void print(String uri) {
        System.out.println();
        System.out.println("Cairn local cluster is up: " + c.nodes + " nodes");
        for (int i = 1; i <= c.nodes; i++) {
            System.out.printf("  %-7s admin %s  nbd 127.0.0.1:%d  raft 127.0.0.1:%d  log %s%n", c.id(i), c.adminUrl(i),
                    c.nbdPort(i), c.raftPort(i), c.log(i));
        }
        System.out.println();
        System.out.println("Volume " + volume + " is ready: " + uri);
        System.out.println("  try:   qemu-io -f raw -c 'write -P 7 0 1M' -c 'read -P 7 0 1M' " + uri);
        System.out.println("  token: export CAIRN_TOKEN_FILE=" + c.tokenFile());
        System.out.println("  see:   ./cairn cluster status ; ./cairn volume inspect " + volume);
        System.out.println("  stop:  ./cairn dev down");
    }

    private boolean await(int node, String path, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            Optional<String[]> r = c.call(node, "GET", path, null, null);
            if (r.isPresent() && r.get()[0].equals("200")) {
                return true;
            }
            if (c.running(node).isEmpty()) {
                return false;
            }
            Thread.sleep(200);
        }
        return false;
    }

    private boolean awaitNodes(String token, int seconds) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            Optional<String[]> r = c.call(1, "GET", "/v1/cluster", null, token);
            if (r.isPresent() && r.get()[0].equals("200") && JSON.readTree(r.get()[1]).path("nodes").size() >= c.nodes) {
                return true;
            }
            Thread.sleep(200);
        }
        return false;
    }

    private String awaitNbd(String token, int seconds) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            Optional<String[]> r = c.call(1, "GET", "/v1/volumes/" + volume, null, token);
            if (r.isPresent() && r.get()[0].equals("200")) {
                JsonNode info = JSON.readTree(r.get()[1]);
                if (info.hasNonNull("nbd") && info.path("state").asText().equals("healthy")
                        && info.path("primary").asText().equals(c.id(1))) {
                    return info.get("nbd").asText();
                }
            }
            Thread.sleep(200);
        }
        return null;
    }
}
