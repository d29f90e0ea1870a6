package dev.cairn.plugin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.plugin.VolumeDriver.Described;
import dev.cairn.plugin.VolumeDriver.DriverException;
import dev.cairn.plugin.VolumeDriver.NodeUnreachable;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Docker volume plugin protocol (v1): {@code POST /Plugin.Activate} and
 * {@code POST /VolumeDriver.*} with JSON bodies. Every failure is a 200 reply whose {@code Err} says
 * what went wrong and what to do; the calls run on a worker pool so a slow Mount never holds up Get.
 *
 * <p>One exception: a Get or List the node cannot answer, for a volume this plugin has never seen,
 * gets no reply at all (the connection is closed). Docker treats an Err from Get as "the volume does
 * not exist" and deletes its own record of it; a transport error it only logs.
 */
final class PluginHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(PluginHandler.class);
    static final ObjectMapper JSON = new ObjectMapper();

    private final VolumeDriver driver;
    private final ExecutorService workers;

    PluginHandler(VolumeDriver driver, ExecutorService workers) {
        this.driver = driver;
        this.workers = workers;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        String path = request.uri();
        String body = request.content().toString(StandardCharsets.UTF_8);
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        boolean post = request.method().equals(HttpMethod.POST);
        try {
            workers.execute(() -> {
                Object reply;
                try {
                    reply = post ? handle(path, body) : Map.of("Err", "the plugin protocol uses POST, not " + request.method());
                } catch (NodeUnreachable e) {
                    LOG.warn("{}: {}; closing the connection without an answer so Docker keeps its record", path, e.getMessage());
                    ctx.close();
                    return;
                }
                write(ctx, reply, keepAlive);
            });
        } catch (RejectedExecutionException e) {
            write(ctx, Map.of("Err", "the Cairn plugin is shutting down"), false);
        }
    }

    /** Answers one call; never throws except {@link NodeUnreachable} for Get and List. */
    Object handle(String path, String body) {
        long started = System.nanoTime();
        String method = path.startsWith("/") ? path.substring(1) : path;
        JsonNode req;
        try {
            req = body == null || body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
            if (req == null || !req.isObject()) {
                return err(method, "the request body must be a JSON object");
            }
        } catch (JsonProcessingException e) {
            return err(method, "the request body is not JSON: " + e.getOriginalMessage());
        }
        try {
            Object reply = switch (method) {
                case "Plugin.Activate" -> Map.of("Implements", List.of("VolumeDriver"));
                case "VolumeDriver.Capabilities" -> Map.of("Capabilities", Map.of("Scope", "global"));
                case "VolumeDriver.Create" -> {
                    driver.create(name(req), opts(req));
                    yield ok();
                }
                case "VolumeDriver.Remove" -> {
                    driver.remove(name(req));
                    yield ok();
                }
                case "VolumeDriver.Mount" -> Map.of("Mountpoint", driver.mount(name(req), req.path("ID").asText("")), "Err", "");
                case "VolumeDriver.Unmount" -> {
                    driver.unmount(name(req), req.path("ID").asText(""));
                    yield ok();
                }
                case "VolumeDriver.Path" -> Map.of("Mountpoint", driver.path(name(req)).orElse(""), "Err", "");
                case "VolumeDriver.Get" -> Map.of("Volume", volume(driver.get(name(req)), true), "Err", "");
                case "VolumeDriver.List" -> Map.of("Volumes", driver.list().stream().map(d -> volume(d, false)).toList(), "Err", "");
                default -> err(method, "unknown plugin call " + path + "; this plugin implements VolumeDriver");
            };
            LOG.debug("{} {} -> ok in {} ms", method, req.path("Name").asText(""), (System.nanoTime() - started) / 1_000_000);
            return reply;
        } catch (DriverException | IllegalArgumentException e) {
            return err(method, e.getMessage());
        } catch (NodeUnreachable e) {
            if (method.equals("VolumeDriver.Get") || method.equals("VolumeDriver.List")) {
                throw e;
            }
            return err(method, e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("{} failed", method, e);
            return err(method, "internal error: " + e + "; see the plugin's log");
        }
    }

    private static Map<String, Object> volume(Described d, boolean withStatus) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("Name", d.view().name());
        d.mountpoint().ifPresent(mp -> v.put("Mountpoint", mp));
        if (withStatus) {
            if (d.view().createdAt() != null) {
                v.put("CreatedAt", d.view().createdAt());
            }
            v.put("Status", PluginBackend.status(d.view()));
        }
        return v;
    }

    private static String name(JsonNode req) {
        JsonNode n = req.get("Name");
        if (n == null || !n.isTextual()) {
            throw new IllegalArgumentException("the request has no volume Name");
        }
        return n.asText();
    }

    private static Map<String, String> opts(JsonNode req) {
        JsonNode o = req.get("Opts");
        if (o == null || o.isNull()) {
            return Map.of();
        }
        if (!o.isObject()) {
            throw new IllegalArgumentException("Opts must be an object of strings");
        }
        Map<String, String> out = new LinkedHashMap<>();
        o.fields().forEachRemaining(f -> out.put(f.getKey(), f.getValue().isTextual() ? f.getValue().asText() : f.getValue().toString()));
        return out;
    }

    private static Map<String, Object> ok() {
        return Map.of("Err", "");
    }

    private static Map<String, Object> err(String method, String message) {
        LOG.info("{} refused: {}", method, message);
        return Map.of("Err", message);
    }

    private static void write(ChannelHandlerContext ctx, Object reply, boolean keepAlive) {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(reply);
        } catch (JsonProcessingException e) {
            bytes = "{\"Err\":\"cannot encode the reply\"}".getBytes(StandardCharsets.UTF_8);
        }
        FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(bytes));
        resp.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/vnd.docker.plugins.v1.2+json");
        HttpUtil.setContentLength(resp, bytes.length);
        if (keepAlive) {
            HttpUtil.setKeepAlive(resp, true);
            ctx.writeAndFlush(resp);
        } else {
            ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("plugin connection error", cause);
        ctx.close();
    }
}
