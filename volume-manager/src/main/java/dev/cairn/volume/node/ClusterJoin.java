package dev.cairn.volume.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.ratis.Peer;
import dev.cairn.ratis.RaftHost;
import dev.cairn.ratis.cluster.ClusterView;
import dev.cairn.volume.admin.ApiException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How an empty node joins a running cluster: it asks a member (the seed) for the cluster group's
 * members, adds the group locally with itself included, then asks the seed to add it through the
 * group's leader, and waits until the cluster state has reached it.
 */
final class ClusterJoin {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final RaftHost raft;
    private final NodeConfig config;

    ClusterJoin(RaftHost raft, NodeConfig config) {
        this.raft = raft;
        this.config = config;
    }

    Map<String, String> join(String seed, String token, boolean voter) {
        if (seed == null || !seed.startsWith("http")) {
            throw ApiException.badRequest("join needs the admin URL of a cluster member as seed, got '" + seed + "'",
                    "--seed http://HOST:9400");
        }
        if (token == null || token.isBlank()) {
            throw ApiException.badRequest("join needs the cluster token", "pass --token-file with the file `cairn cluster init` wrote");
        }
        if (raft.hasClusterGroup()) {
            throw new ApiException(409, "this node already belongs to a cluster", "`cairn cluster status` shows it");
        }
        JsonNode members = call("GET", seed + "/v1/cluster/members", null, token);
        List<Peer> voters = peers(members.path("voters"));
        List<Peer> listeners = peers(members.path("listeners"));
        Peer self = new Peer(raft.nodeId(), config.raftAddress(), voter ? 1 : 0);
        if (voters.stream().anyMatch(p -> p.id().equals(self.id())) || listeners.stream().anyMatch(p -> p.id().equals(self.id()))) {
            throw new ApiException(409, "the cluster already has a node with id " + self.id(), "give this node another --id");
        }
        (voter ? voters : listeners).add(self);
        raft.joinClusterGroup(voters, listeners);
        String body = "{\"id\":\"" + self.id() + "\",\"raftAddress\":\"" + self.raftAddress() + "\",\"voter\":" + voter + "}";
        try {
            call("POST", seed + "/v1/cluster/members", body, token);
        } catch (RuntimeException e) {
            // Not admitted: leave no half-joined cluster group behind, so the join can be retried.
            raft.leaveClusterGroup();
            throw e;
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!ClusterView.initialized(raft.clusterStateMachine().state())) {
            if (System.nanoTime() > deadline) {
                throw new ApiException(504, "joined the cluster group but its state has not arrived within 60 s",
                        "check that this node's raft-address is reachable from the other nodes");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ApiException(503, "interrupted", null);
            }
        }
        return Map.of("clusterId", raft.clusterStateMachine().state().getClusterId(), "role", voter ? "voter" : "listener");
    }

    private static List<Peer> peers(JsonNode list) {
        List<Peer> peers = new ArrayList<>();
        for (JsonNode p : list) {
            peers.add(new Peer(p.path("id").asText(), p.path("raftAddress").asText(), p.path("priority").asInt(1)));
        }
        return peers;
    }

    private JsonNode call(String method, String url, String body, String token) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token.trim())
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            JsonNode doc = r.body().isEmpty() ? JSON.nullNode() : JSON.readTree(r.body());
            if (r.statusCode() / 100 != 2) {
                throw new ApiException(r.statusCode() == 401 ? 401 : 502, "the seed refused: " + doc.path("error").asText(r.body()),
                        doc.path("hint").asText(null));
            }
            return doc;
        } catch (IOException e) {
            throw new ApiException(502, "cannot reach the seed " + url + ": " + e.getMessage(), "is the seed's admin API reachable from here?");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "interrupted", null);
        }
    }
}
