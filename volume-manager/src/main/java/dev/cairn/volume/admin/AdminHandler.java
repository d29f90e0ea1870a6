package dev.cairn.volume.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.volume.api.ApiError;
import dev.cairn.volume.api.AttachRequest;
import dev.cairn.volume.api.CreateVolumeRequest;
import dev.cairn.volume.api.VolumeList;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes admin requests to the backend on a worker thread and writes JSON replies. Every failure
 * becomes an {@link ApiError} body with a status; nothing a client sends can escape as an exception.
 */
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(AdminHandler.class);
    static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

    private final AdminBackend backend;
    private final Executor workers;

    AdminHandler(AdminBackend backend, Executor workers) {
        this.backend = backend;
        this.workers = workers;
    }

    private record Reply(int status, Object body) {
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!request.decoderResult().isSuccess()) {
            write(ctx, new Reply(400, new ApiError("malformed HTTP request", null)), false);
            return;
        }
        HttpMethod method = request.method();
        String path = new QueryStringDecoder(request.uri()).path();
        String body = request.content().toString(StandardCharsets.UTF_8);
        String auth = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        try {
            workers.execute(() -> write(ctx, handle(method, path, body, auth), keepAlive));
        } catch (RejectedExecutionException e) {
            write(ctx, new Reply(503, new ApiError("the node is shutting down", null)), false);
        }
    }

    private Reply handle(HttpMethod method, String path, String body, String auth) {
        try {
            return route(method, path.split("/", -1), body, auth);
        } catch (ApiException e) {
            return new Reply(e.status(), new ApiError(e.getMessage(), e.hint()));
        } catch (RuntimeException e) {
            LOG.warn("admin request {} {} failed", method, path, e);
            return new Reply(500, new ApiError("internal error: " + e.getMessage(), "see the node's log"));
        }
    }

    private Reply route(HttpMethod method, String[] p, String body, String auth) {
        // p[0] is "" (path starts with '/'); p[1] = "v1".
        if (p.length < 3 || !p[1].equals("v1")) {
            throw ApiException.notFound("no such endpoint", "endpoints live under /v1/ (volumes, cluster)");
        }
        boolean mutating = !method.equals(HttpMethod.GET);
        if (p[2].equals("cluster") && p.length == 4 && p[3].equals("init") && method.equals(HttpMethod.POST)) {
            JsonNode doc = parse(body, JsonNode.class);
            List<Map<String, String>> peers = new ArrayList<>();
            if (doc != null && doc.has("peers")) {
                for (JsonNode peer : doc.get("peers")) {
                    peers.add(Map.of("id", peer.path("id").asText(""), "raftAddress", peer.path("raftAddress").asText("")));
                }
            }
            return new Reply(200, backend.initCluster(peers));
        }
        if (p[2].equals("cluster") && p.length == 4 && p[3].equals("join") && method.equals(HttpMethod.POST)) {
            JsonNode doc = require(parse(body, JsonNode.class));
            return new Reply(200, backend.joinCluster(doc.path("seed").asText(""), doc.path("token").asText(""),
                    doc.path("voter").asBoolean(false)));
        }
        if (p[2].equals("health") && p.length == 3) {
            return new Reply(200, Map.of("status", "ok", "clusterInitialized", backend.clusterInitialized()));
        }
        if (!backend.clusterInitialized()) {
            throw new ApiException(503, "this node is not part of an initialized cluster yet",
                    "run `cairn cluster init` (or `./cairn dev up` for a local cluster)");
        }
        if (mutating) {
            checkToken(auth);
        }
        if (p[2].equals("node") && p.length == 3 && method.equals(HttpMethod.GET)) {
            return new Reply(200, backend.self());
        }
        if (p[2].equals("cluster") && p.length == 3 && method.equals(HttpMethod.GET)) {
            return new Reply(200, backend.clusterStatus());
        }
        if (p[2].equals("cluster") && p.length == 4 && p[3].equals("members")) {
            if (method.equals(HttpMethod.GET)) {
                // Members' Raft addresses are what a joining node needs: only with the token.
                checkToken(auth);
                return new Reply(200, backend.clusterMembers());
            }
            if (method.equals(HttpMethod.POST)) {
                JsonNode doc = require(parse(body, JsonNode.class));
                backend.addMember(doc.path("id").asText(""), doc.path("raftAddress").asText(""), doc.path("voter").asBoolean(false));
                return new Reply(200, backend.clusterMembers());
            }
        }
        if (p[2].equals("volumes")) {
            return volumes(method, p, body);
        }
        throw ApiException.notFound("no such endpoint: " + method + " " + String.join("/", p), null);
    }

    private Reply volumes(HttpMethod method, String[] p, String body) {
        if (p.length == 3 && method.equals(HttpMethod.GET)) {
            return new Reply(200, new VolumeList(backend.listVolumes()));
        }
        if (p.length == 3 && method.equals(HttpMethod.POST)) {
            return new Reply(201, backend.createVolume(require(parse(body, CreateVolumeRequest.class))));
        }
        if (p.length == 4 && method.equals(HttpMethod.GET)) {
            return new Reply(200, backend.inspectVolume(p[3]));
        }
        if (p.length == 4 && method.equals(HttpMethod.DELETE)) {
            backend.deleteVolume(p[3]);
            return new Reply(204, null);
        }
        if (p.length == 5 && method.equals(HttpMethod.POST) && p[4].equals("attach")) {
            return new Reply(200, backend.attach(p[3], require(parse(body, AttachRequest.class))));
        }
        if (p.length == 5 && method.equals(HttpMethod.POST) && p[4].equals("detach")) {
            JsonNode doc = require(parse(body, JsonNode.class));
            return new Reply(200, backend.detach(p[3], doc.path("host").asText("")));
        }
        throw ApiException.notFound("no such endpoint: " + method + " /" + String.join("/", p).substring(1), null);
    }

    private void checkToken(String auth) {
        String prefix = "Bearer ";
        if (auth == null || !auth.startsWith(prefix)) {
            throw new ApiException(401, "this call needs the cluster token",
                    "pass --token-file <data-dir>/token (written by `cairn cluster init`) or set CAIRN_TOKEN");
        }
        if (!backend.tokenValid(auth.substring(prefix.length()).trim())) {
            throw new ApiException(401, "the cluster token is wrong", "use the token file written by `cairn cluster init`");
        }
    }

    private static <T> T require(T parsed) {
        if (parsed == null) {
            throw ApiException.badRequest("the request needs a JSON body", null);
        }
        return parsed;
    }

    private static <T> T parse(String body, Class<T> type) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            return JSON.readValue(body, type);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("the request body is not valid JSON for this call: " + e.getOriginalMessage(), null);
        }
    }

    private static void write(ChannelHandlerContext ctx, Reply reply, boolean keepAlive) {
        byte[] bytes;
        try {
            bytes = reply.body() == null ? new byte[0] : JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(reply.body());
        } catch (JsonProcessingException e) {
            bytes = "{\"error\":\"cannot encode reply\"}".getBytes(StandardCharsets.UTF_8);
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(reply.status()),
                Unpooled.wrappedBuffer(bytes));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        HttpUtil.setContentLength(response, bytes.length);
        if (keepAlive) {
            HttpUtil.setKeepAlive(response, true);
            ctx.writeAndFlush(response);
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("admin connection from {} closed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
