package dev.cairn.plugin;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Asks the local Docker engine (its API on a unix socket) which volumes of this driver running
 * containers use: the ground truth the plugin reconciles its reference counts against.
 */
final class DockerEngine {
    private final Path socket;
    private final String driverName;

    DockerEngine(Path socket, String driverName) {
        this.socket = socket;
        this.driverName = driverName;
    }

    /** Volume names of this driver mounted by running containers; empty if Docker cannot be asked. */
    Optional<Set<String>> volumesInUse() {
        try {
            JsonNode containers = PluginHandler.JSON.readTree(get("/containers/json"));
            Set<String> names = new HashSet<>();
            for (JsonNode c : containers) {
                for (JsonNode m : c.path("Mounts")) {
                    if (m.path("Type").asText().equals("volume") && driverName.equals(m.path("Driver").asText())) {
                        names.add(m.path("Name").asText());
                    }
                }
            }
            return Optional.of(names);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** A plain HTTP/1.0 GET (no chunking, the server closes); returns the body. */
    private String get(String path) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap(("GET " + path + " HTTP/1.0\r\nHost: docker\r\n\r\n").getBytes(StandardCharsets.US_ASCII)));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(16384);
            while (ch.read(buf) > 0) {
                out.write(buf.array(), 0, buf.position());
                buf.clear();
            }
            String resp = out.toString(StandardCharsets.UTF_8);
            int end = resp.indexOf("\r\n\r\n");
            if (!resp.startsWith("HTTP/1.") || end < 0 || !resp.substring(0, resp.indexOf('\r')).contains(" 200 ")) {
                throw new IOException("unexpected answer from Docker: " + resp.lines().findFirst().orElse(""));
            }
            return resp.substring(end + 4);
        }
    }
}
