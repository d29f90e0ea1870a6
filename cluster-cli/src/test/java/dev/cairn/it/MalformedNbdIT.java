package dev.cairn.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.volume.nbdclient.NbdClient;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 2: malformed NBD input against a real node gets the protocol's error reply or a clean
 * close, and a well-behaved client keeps being served correctly the whole time.
 */
@Timeout(300)
class MalformedNbdIT {
    @TempDir
    Path dir;

    @Test
    void badClientsGetErrorsOrClosesAndAGoodClientIsServedThroughout() throws Exception {
        try (TestCluster cluster = new TestCluster(dir, 1).start()) {
            cluster.createVolume("vol", "16M", 1);
            NodeProcess node = cluster.awaitPrimary("vol", Duration.ofSeconds(60));
            int port = node.nbdPort;

            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger goodOps = new AtomicInteger();
            AtomicReference<Throwable> goodFailure = new AtomicReference<>();
            Thread good = new Thread(() -> {
                try (NbdClient c = NbdClient.connect("127.0.0.1", port, "vol", 10_000)) {
                    for (int i = 0; !stop.get(); i++) {
                        byte[] b = new byte[4096];
                        Arrays.fill(b, (byte) i);
                        long offset = 8L * 1024 * 1024 + (i % 256) * 4096L;
                        c.write(offset, b, false);
                        assertArrayEquals(b, c.read(offset, 4096));
                        goodOps.incrementAndGet();
                    }
                } catch (Throwable t) {
                    goodFailure.set(t);
                }
            });
            good.start();

            // Bad option magic during the handshake: the server closes.
            try (Socket s = new Socket("127.0.0.1", port)) {
                DataInputStream in = new DataInputStream(s.getInputStream());
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                in.readNBytes(18);
                out.writeInt(1);
                out.writeLong(0x0123456789abcdefL);
                out.writeInt(7);
                out.writeInt(0);
                out.flush();
                assertEquals(-1, in.read(), "closed after bad magic");
            }
            try (NbdClient c = NbdClient.connect("127.0.0.1", port, "vol", 10_000)) {
                long size = c.size();
                // Unknown command, read past the end, write past the end, zero length.
                assertError(22, () -> c.receive(c.send(42, 0, 0, 0, null), 0, "unknown command"));
                assertError(22, () -> c.read(size - 10, 20));
                assertError(28, () -> c.write(size - 10, new byte[20], false));
                assertError(22, () -> c.trim(size, 1));
                // A write longer than the maximum (32 MiB): answered EINVAL, its bytes skipped.
                byte[] huge = new byte[(32 << 20) + 4096];
                Arrays.fill(huge, (byte) 0x77);
                assertError(22, () -> c.write(0, huge, false));
                assertArrayEquals(new byte[4096], c.read(0, 4096), "nothing of the refused write landed");
                c.write(0, new byte[] {1, 2, 3}, true);
                assertArrayEquals(new byte[] {1, 2, 3}, c.read(0, 3), "the connection is still in step");
            }
            // A client that vanishes halfway through a write's payload.
            byte[] before = new byte[4096];
            Arrays.fill(before, (byte) 0x11);
            try (NbdClient c = NbdClient.connect("127.0.0.1", port, "vol", 10_000)) {
                c.write(1 << 20, before, true);
            }
            try (Socket s = new Socket("127.0.0.1", port)) {
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                DataInputStream in = new DataInputStream(s.getInputStream());
                in.readNBytes(18);
                out.writeInt(1);
                out.writeLong(0x49484156454F5054L);
                out.writeInt(1); // NBD_OPT_EXPORT_NAME
                out.writeInt(3);
                out.writeBytes("vol");
                out.flush();
                in.readNBytes(8 + 2 + 124);
                out.writeInt(0x25609513);
                out.writeShort(0);
                out.writeShort(1);
                out.writeLong(99);
                out.writeLong(1 << 20);
                out.writeInt(4096);
                out.write(new byte[2000]);
                out.flush();
            }
            try (NbdClient c = NbdClient.connect("127.0.0.1", port, "vol", 10_000)) {
                assertArrayEquals(before, c.read(1 << 20, 4096), "half a write is no write");
                // An unknown export is refused during the handshake.
                assertThrows(IOException.class, () -> NbdClient.connect("127.0.0.1", port, "no-such-volume", 10_000));
            }
            Thread.sleep(500);
            stop.set(true);
            good.join(30_000);
            assertEquals(null, goodFailure.get(), "the good client saw no error");
            assertTrue(goodOps.get() > 10, "the good client kept working: " + goodOps.get() + " write+read pairs");
            var qemu = NbdTools.qemuIo(NbdTools.uri(node, "vol"), java.util.List.of("write -P 5 0 64k", "read -P 5 0 64k"));
            assertEquals(0, qemu.exit(), qemu.output());
        }
    }

    interface Call {
        void run() throws IOException;
    }

    static void assertError(int errno, Call call) {
        var e = assertThrows(NbdClient.NbdErrorReply.class, call::run);
        assertEquals(errno, e.error(), e.getMessage());
    }
}
