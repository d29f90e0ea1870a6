package dev.cairn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Real node processes forming one cluster, with the helpers the end-to-end tests share. */
final class TestCluster implements AutoCloseable {
    final List<NodeProcess> nodes = new ArrayList<>();
    private String token;

    TestCluster(Path dir, int size) {
        for (int i = 1; i <= size; i++) {
            nodes.add(new NodeProcess("node-" + i, dir.resolve("node-" + i)));
        }
    }

    NodeProcess node(int oneBased) {
        return nodes.get(oneBased - 1);
    }

    NodeProcess node(String id) {
        return nodes.stream().filter(n -> n.id.equals(id)).findFirst().orElseThrow();
    }

    /** Starts every node and forms the cluster from node 1 with all of them as voters. */
    TestCluster start() {
        nodes.forEach(NodeProcess::start);
        StringBuilder peers = new StringBuilder("{\"peers\":[");
        for (int i = 1; i < nodes.size(); i++) {
            peers.append(i > 1 ? "," : "").append("{\"id\":\"").append(nodes.get(i).id)
                    .append("\",\"raftAddress\":\"").append(nodes.get(i).raftAddress()).append("\"}");
        }
        peers.append("]}");
        var init = new AdminHttp(node(1).adminUrl(), null).post("/v1/cluster/init", peers.toString());
        assertEquals(200, init.status(), "cluster init: " + init.body());
        try {
            Path tokenFile = Path.of(init.body().get("tokenFile").asText());
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile)),
                    "the cluster token file is readable by its owner only");
            token = Files.readString(tokenFile).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Waits.until(Duration.ofSeconds(60), "all " + nodes.size() + " nodes registered", () -> {
            JsonNode status = admin(1).get("/v1/cluster").body();
            return status.path("nodes").size() == nodes.size();
        });
        return this;
    }

    String token() {
        return token;
    }

    AdminHttp admin(int node) {
        return new AdminHttp(node(node).adminUrl(), token);
    }

    /** An admin client for the first live node. */
    AdminHttp anyAdmin() {
        return nodes.stream().filter(NodeProcess::alive).findFirst().map(n -> new AdminHttp(n.adminUrl(), token)).orElseThrow();
    }

    JsonNode createVolume(String name, String size, int replicas) {
        long bytes = dev.cairn.volume.api.ByteSize.parse(size);
        var r = anyAdmin().post("/v1/volumes", "{\"name\":\"" + name + "\",\"sizeBytes\":" + bytes + ",\"replicas\":" + replicas + "}");
        assertEquals(201, r.status(), "create " + name + ": " + r.body());
        return r.body();
    }

    JsonNode inspect(String name) {
        return anyAdmin().get("/v1/volumes/" + name).body();
    }

    /** Waits until the volume has a primary that serves NBD, and returns that node. */
    NodeProcess awaitPrimary(String name, Duration timeout) {
        NodeProcess[] found = new NodeProcess[1];
        Waits.until(timeout, "a primary serving volume " + name, () -> {
            Optional<NodeProcess> p = primaryOf(name);
            if (p.isEmpty()) {
                return false;
            }
            if (NbdTools.exportListed(p.get(), name)) {
                found[0] = p.get();
                return true;
            }
            return false;
        });
        return found[0];
    }

    AdminHttp.Response attach(String name, String host, boolean force) {
        return anyAdmin().post("/v1/volumes/" + name + "/attach", "{\"host\":\"" + host + "\",\"force\":" + force + "}");
    }

    AdminHttp.Response detach(String name, String host) {
        return detach(anyAdmin(), name, host);
    }

    /**
     * Detaches through the host's own node, as the Docker plugin on that host does. (The first live
     * node may have just restarted, and answers 503 until it has caught up with the cluster group:
     * docs/operations.md, "A node just restarted".)
     */
    AdminHttp.Response detachOn(NodeProcess host, String name) {
        return detach(new AdminHttp(host.adminUrl(), token), name, host.id);
    }

    private static AdminHttp.Response detach(AdminHttp via, String name, String host) {
        return via.post("/v1/volumes/" + name + "/detach", "{\"host\":\"" + host + "\"}");
    }

    /** Waits until {@code node} is the volume's primary and serves it over NBD. */
    void awaitServedBy(String name, NodeProcess node, Duration timeout) {
        Waits.until(timeout, node.id + " serving " + name, () -> NbdTools.exportListed(node, name));
    }

    Optional<NodeProcess> primaryOf(String name) {
        for (NodeProcess n : nodes) {
            if (!n.alive()) {
                continue;
            }
            JsonNode info = new AdminHttp(n.adminUrl(), token).get("/v1/volumes/" + name).body();
            String primary = info.path("primary").asText("");
            if (!primary.isEmpty()) {
                return nodes.stream().filter(x -> x.id.equals(primary) && x.alive()).findFirst();
            }
        }
        return Optional.empty();
    }

    String logs() {
        StringBuilder b = new StringBuilder();
        for (NodeProcess n : nodes) {
            b.append("==== ").append(n.id).append(" ====\n").append(n.tail()).append('\n');
        }
        return b.toString();
    }

    @Override
    public void close() {
        nodes.forEach(NodeProcess::stop);
    }
}
