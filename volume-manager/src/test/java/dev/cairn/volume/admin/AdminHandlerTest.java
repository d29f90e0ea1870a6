package dev.cairn.volume.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.volume.api.AttachRequest;
import dev.cairn.volume.api.ClusterStatus;
import dev.cairn.volume.api.CreateVolumeRequest;
import dev.cairn.volume.api.NodeSelf;
import dev.cairn.volume.api.VolumeInfo;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The admin API's routing and input handling on an EmbeddedChannel, with a recording backend: bad
 * requests get a clear error body and never reach the backend.
 */
class AdminHandlerTest {
    final List<String> calls = new ArrayList<>();
    boolean initialized = true;

    final AdminBackend backend = new AdminBackend() {
        @Override
        public NodeSelf self() {
            calls.add("self");
            return new NodeSelf("n1", 10L << 30, 3);
        }

        @Override
        public List<VolumeInfo> listVolumes() {
            calls.add("list");
            return List.of();
        }

        @Override
        public VolumeInfo inspectVolume(String name) {
            calls.add("inspect " + name);
            throw ApiException.notFound("no volume named " + name, "`cairn volume ls` lists the volumes");
        }

        @Override
        public VolumeInfo createVolume(CreateVolumeRequest request) {
            calls.add("create " + request.name() + " " + request.sizeBytes());
            return new VolumeInfo(request.name(), 1, request.sizeBytes(), 4096, 1, "healthy", "n1", List.of(), null, "nbd://x/y", "t", null);
        }

        @Override
        public void deleteVolume(String name) {
            calls.add("delete " + name);
        }

        @Override
        public VolumeInfo attach(String name, AttachRequest request) {
            calls.add("attach " + name);
            return null;
        }

        @Override
        public VolumeInfo detach(String name, String host) {
            calls.add("detach " + name);
            return null;
        }

        @Override
        public ClusterStatus clusterStatus() {
            calls.add("status");
            return new ClusterStatus("c", "n1", List.of(), List.of());
        }

        @Override
        public Map<String, String> initCluster(List<Map<String, String>> peers) {
            calls.add("init " + peers.size());
            return Map.of("clusterId", "c");
        }

        @Override
        public Map<String, List<Map<String, String>>> clusterMembers() {
            return Map.of();
        }

        @Override
        public void addMember(String id, String raftAddress, boolean voter) {
            calls.add("add " + id);
        }

        @Override
        public Map<String, String> joinCluster(String seed, String token, boolean voter) {
            calls.add("join " + seed);
            return Map.of();
        }

        @Override
        public boolean tokenValid(String token) {
            return "secret".equals(token);
        }

        @Override
        public boolean clusterInitialized() {
            return initialized;
        }
    };

    record Answer(int status, JsonNode body) {
    }

    Answer send(HttpMethod method, String uri, String body, String token) throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel(new AdminHandler(backend, Runnable::run));
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri,
                Unpooled.copiedBuffer(body == null ? "" : body, StandardCharsets.UTF_8));
        if (token != null) {
            request.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + token);
        }
        ch.writeInbound(request);
        FullHttpResponse response = ch.readOutbound();
        assertNotNull(response, "a response was written");
        try {
            String text = response.content().toString(StandardCharsets.UTF_8);
            return new Answer(response.status().code(), text.isEmpty() ? null : AdminHandler.JSON.readTree(text));
        } finally {
            response.release();
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void mutatingCallsWithoutTheTokenAreRefusedAndReachNothing() throws Exception {
        Answer a = send(HttpMethod.POST, "/v1/volumes", "{\"name\":\"v\",\"sizeBytes\":4096,\"replicas\":1}", null);
        assertEquals(401, a.status());
        assertTrue(a.body().get("hint").asText().contains("token"), a.body().toString());
        assertEquals(401, send(HttpMethod.DELETE, "/v1/volumes/v", null, "wrong").status());
        assertEquals(List.of(), calls);
    }

    @Test
    void readsNeedNoToken() throws Exception {
        assertEquals(200, send(HttpMethod.GET, "/v1/volumes", null, null).status());
        assertEquals(200, send(HttpMethod.GET, "/v1/cluster", null, null).status());
    }

    @Test
    void malformedBodiesAreBadRequests() throws Exception {
        Answer notJson = send(HttpMethod.POST, "/v1/volumes", "{name: v", "secret");
        assertEquals(400, notJson.status());
        assertTrue(notJson.body().get("error").asText().contains("not valid JSON"), notJson.body().toString());
        Answer unknownField = send(HttpMethod.POST, "/v1/volumes", "{\"name\":\"v\",\"sizeBytes\":4096,\"colour\":\"red\"}", "secret");
        assertEquals(400, unknownField.status());
        assertTrue(unknownField.body().get("error").asText().contains("colour"), unknownField.body().toString());
        Answer wrongType = send(HttpMethod.POST, "/v1/volumes", "{\"name\":\"v\",\"sizeBytes\":\"big\"}", "secret");
        assertEquals(400, wrongType.status());
        Answer empty = send(HttpMethod.POST, "/v1/volumes", "", "secret");
        assertEquals(400, empty.status());
        assertEquals(List.of(), calls);
    }

    @Test
    void unknownEndpointsAre404WithoutTouchingTheBackend() throws Exception {
        assertEquals(404, send(HttpMethod.GET, "/v2/volumes", null, null).status());
        assertEquals(404, send(HttpMethod.GET, "/", null, null).status());
        assertEquals(404, send(HttpMethod.PUT, "/v1/volumes/v", "{}", "secret").status());
        assertEquals(404, send(HttpMethod.POST, "/v1/volumes/v/explode", "{}", "secret").status());
        assertEquals(List.of(), calls);
    }

    @Test
    void backendErrorsKeepTheirStatusAndHint() throws Exception {
        Answer a = send(HttpMethod.GET, "/v1/volumes/ghost", null, null);
        assertEquals(404, a.status());
        assertEquals("no volume named ghost", a.body().get("error").asText());
        assertTrue(a.body().get("hint").asText().contains("volume ls"));
    }

    @Test
    void nodeEndpointNamesTheNodeAndItsVolumeDefaults() throws Exception {
        Answer a = send(HttpMethod.GET, "/v1/node", null, null);
        assertEquals(200, a.status());
        assertEquals("n1", a.body().get("id").asText());
        assertEquals(10L << 30, a.body().get("defaultSizeBytes").asLong());
        assertEquals(3, a.body().get("defaultReplicas").asInt());
        assertEquals(List.of("self"), calls);
    }

    @Test
    void beforeInitOnlyInitAndHealthAnswer() throws Exception {
        initialized = false;
        Answer a = send(HttpMethod.GET, "/v1/volumes", null, null);
        assertEquals(503, a.status());
        assertTrue(a.body().get("hint").asText().contains("cluster init"));
        assertEquals(200, send(HttpMethod.GET, "/v1/health", null, null).status());
        assertEquals(200, send(HttpMethod.POST, "/v1/cluster/init", "{\"peers\":[{\"id\":\"n2\",\"raftAddress\":\"h:1\"}]}", null).status());
        assertEquals(List.of("init 1"), calls);
    }

    @Test
    void createGoesThroughWithTheToken() throws Exception {
        Answer a = send(HttpMethod.POST, "/v1/volumes", "{\"name\":\"v\",\"sizeBytes\":8192,\"replicas\":1}", "secret");
        assertEquals(201, a.status());
        assertEquals("nbd://x/y", a.body().get("nbd").asText());
        assertEquals(List.of("create v 8192"), calls);
    }
}
