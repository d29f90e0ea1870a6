package dev.cairn.plugin;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * One HTTP/1.0 exchange over a unix socket (no chunking, the server closes): how the plugin asks
 * dockerd, and how tests call the plugin as dockerd would.
 */
public final class UnixHttp {
    private UnixHttp() {
    }

    /** The status line and the body of an answer. */
    public record Answer(String statusLine, String body) {
        public boolean ok() {
            return statusLine.startsWith("HTTP/1.") && statusLine.contains(" 200 ");
        }
    }

    /** Sends {@code method path} with {@code body} (null: none) and reads the whole answer. */
    public static Answer exchange(Path socket, String method, String path, String body) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            String head = method + " " + path + " HTTP/1.0\r\nHost: docker\r\n"
                    + (body == null ? "" : "Content-Length: " + payload.length + "\r\n") + "\r\n";
            ch.write(ByteBuffer.wrap(head.getBytes(StandardCharsets.US_ASCII)));
            ch.write(ByteBuffer.wrap(payload));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(16384);
            while (ch.read(buf) > 0) {
                out.write(buf.array(), 0, buf.position());
                buf.clear();
            }
            String resp = out.toString(StandardCharsets.UTF_8);
            int end = resp.indexOf("\r\n\r\n");
            String status = resp.lines().findFirst().orElse("");
            return new Answer(status, end < 0 ? resp : resp.substring(end + 4));
        }
    }
}
