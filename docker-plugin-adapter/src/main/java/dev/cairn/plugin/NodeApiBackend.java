package dev.cairn.plugin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.volume.nbdclient.NbdClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link PluginBackend} over the node's admin API (HTTP/JSON), with the cluster token for changes. */
final class NodeApiBackend implements PluginBackend {
    private static final Logger LOG = LoggerFactory.getLogger(NodeApiBackend.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI endpoint;
    private final Supplier<String> token;
    private final Duration attachWait;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private volatile NodeDefaults defaults;

    /**
     * @param attachWait how long a Mount may wait for the cluster to declare a silent holder down and
     *                   for this node's export to come up (Docker gives Mount two minutes)
     */
    NodeApiBackend(URI endpoint, Supplier<String> token, Duration attachWait) {
        this.endpoint = endpoint;
        this.token = token;
        this.attachWait = attachWait;
    }

    record Reply(int status, JsonNode body) {
        String error() {
            String e = body.path("error").asText("HTTP " + status);
            String hint = body.path("hint").asText("");
            return hint.isEmpty() ? e : e + " (" + hint + ")";
        }
    }

    @Override
    public NodeDefaults defaults() {
        NodeDefaults d = defaults;
        if (d == null) {
            Reply r = send("GET", "/v1/node", null, Duration.ofSeconds(5));
            if (r.status() != 200) {
                throw new PluginBackendException("the Cairn node at " + endpoint + " did not say who it is: " + r.error());
            }
            d = new NodeDefaults(r.body().path("id").asText(), r.body().path("defaultSizeBytes").asLong(),
                    r.body().path("defaultReplicas").asInt());
            defaults = d;
        }
        return d;
    }

    @Override
    public Optional<VolumeView> get(String name) {
        Reply r = send("GET", "/v1/volumes/" + name, null, Duration.ofSeconds(5));
        if (r.status() == 404) {
            return Optional.empty();
        }
        if (r.status() != 200) {
            throw new PluginBackendException(r.error());
        }
        return Optional.of(view(r.body()));
    }

    @Override
    public List<VolumeView> list() {
        Reply r = send("GET", "/v1/volumes", null, Duration.ofSeconds(5));
        if (r.status() != 200) {
            throw new PluginBackendException(r.error());
        }
        List<VolumeView> out = new ArrayList<>();
        r.body().path("volumes").forEach(v -> out.add(view(v)));
        return out;
    }

    @Override
    public VolumeView create(String name, long sizeBytes, int replicas, String filesystem) {
        ObjectNode body = JSON.createObjectNode().put("name", name).put("sizeBytes", sizeBytes).put("replicas", replicas)
                .put("host", defaults().nodeId()).put("filesystem", filesystem);
        Reply r = send("POST", "/v1/volumes", body, Duration.ofSeconds(30));
        if (r.status() == 201 || r.status() == 200) {
            return view(r.body());
        }
        if (r.status() == 409) {
            // Docker re-sends Create after a timeout: the same volume again is not an error.
            Optional<VolumeView> existing = get(name);
            if (existing.isPresent() && existing.get().sizeBytes() == sizeBytes && existing.get().replicas() == replicas
                    && filesystem.equals(existing.get().filesystem())) {
                return existing.get();
            }
        }
        throw new PluginBackendException(r.error());
    }

    @Override
    public void remove(String name) {
        Reply r = send("DELETE", "/v1/volumes/" + name, null, Duration.ofSeconds(30));
        if (r.status() != 204 && r.status() != 200 && r.status() != 404) {
            throw new PluginBackendException(r.error());
        }
    }

    @Override
    public Attached attach(String name) {
        String me = defaults().nodeId();
        long deadline = System.nanoTime() + attachWait.toNanos();
        Reply r;
        while (true) {
            r = send("POST", "/v1/volumes/" + name + "/attach", JSON.createObjectNode().put("host", me).put("force", false),
                    Duration.ofSeconds(30));
            if (r.status() == 200) {
                break;
            }
            if (r.status() != 409) {
                throw new PluginBackendException("cannot attach " + name + " to " + me + ": " + r.error());
            }
            String holder = holder(name);
            String liveness = holder == null ? "gone" : liveness(holder);
            if (liveness.equals("up")) {
                throw new PluginBackendException("volume " + name + " is in use on host " + holder
                        + "; stop the containers using it there, or if that host is lost, wait until `cairn cluster status`"
                        + " shows it down and try again");
            }
            if (System.nanoTime() > deadline) {
                throw new PluginBackendException("volume " + name + " is still attached to " + holder + " (" + liveness
                        + ") after " + attachWait.toSeconds() + " s; try again, or `cairn volume attach " + name + " --host " + me + " --force`");
            }
            LOG.info("volume {}: holder {} is {}; waiting for the cluster to mark it down", name, holder, liveness);
            sleep(500);
        }
        long epoch = r.body().path("attachment").path("epoch").asLong();
        return new Attached(name, awaitExport(name, epoch, deadline), epoch);
    }

    /** Waits until the volume's primary answers an NBD handshake for it; returns its nbd:// URI. */
    private String awaitExport(String name, long epoch, long deadline) {
        String last = "no primary yet";
        while (System.nanoTime() < deadline) {
            Optional<VolumeView> v = get(name);
            if (v.isEmpty()) {
                throw new PluginBackendException("volume " + name + " was removed while it was being attached");
            }
            String nbd = v.get().nbd();
            if (nbd != null && v.get().epoch() >= epoch) {
                URI uri = URI.create(nbd);
                try (NbdClient probe = NbdClient.connect(uri.getHost(), uri.getPort(), name, 3000)) {
                    return nbd;
                } catch (IOException e) {
                    last = nbd + ": " + e.getMessage();
                }
            }
            sleep(200);
        }
        throw new PluginBackendException("volume " + name + " is attached here but no replica serves it yet (" + last
                + "); `cairn volume inspect " + name + "` shows its replicas");
    }

    @Override
    public void detach(String name) {
        Reply r = send("POST", "/v1/volumes/" + name + "/detach", JSON.createObjectNode().put("host", defaults().nodeId()),
                Duration.ofSeconds(10));
        if (r.status() != 200 && r.status() != 404 && r.status() != 409) {
            throw new PluginBackendException("cannot detach " + name + ": " + r.error());
        }
    }

    private String holder(String name) {
        return get(name).map(VolumeView::attachedHost).orElse(null);
    }

    private String liveness(String node) {
        Reply r = send("GET", "/v1/cluster", null, Duration.ofSeconds(5));
        for (JsonNode n : r.body().path("nodes")) {
            if (n.path("id").asText().equals(node)) {
                return n.path("liveness").asText("unknown");
            }
        }
        return "gone";
    }

    private static VolumeView view(JsonNode v) {
        JsonNode a = v.path("attachment");
        return new VolumeView(v.path("name").asText(), v.path("sizeBytes").asLong(), v.path("replicas").asInt(),
                v.path("state").asText(), text(v.path("primary")), text(a.path("host")), a.path("epoch").asLong(),
                text(v.path("filesystem")), text(v.path("nbd")), text(v.path("createdAt")));
    }

    private static String text(JsonNode n) {
        return n.isMissingNode() || n.isNull() ? null : n.asText();
    }

    private Reply send(String method, String path, JsonNode body, Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(endpoint.resolve(path)).timeout(timeout);
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.toString()));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (!method.equals("GET")) {
            String t = token.get();
            if (t != null && !t.isEmpty()) {
                b.header("Authorization", "Bearer " + t);
            }
        }
        try {
            HttpResponse<String> resp = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode parsed = resp.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(resp.body());
            return new Reply(resp.statusCode(), parsed);
        } catch (IOException e) {
            throw new PluginBackendException("the Cairn node at " + endpoint + " is not answering (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "); is `cairn node run` up on this host?", e, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PluginBackendException("interrupted", e, true);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PluginBackendException("interrupted", e, true);
        }
    }
}
