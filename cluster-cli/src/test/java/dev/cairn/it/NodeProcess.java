package dev.cairn.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** One {@code cairn node run} process with its own data directory and loopback ports. */
final class NodeProcess implements AutoCloseable {
    final String id;
    final Path dataDir;
    final int raftPort;
    final int adminPort;
    final int nbdPort;
    private final Map<String, String> settings = new TreeMap<>();
    private Process process;

    NodeProcess(String id, Path dataDir) {
        this.id = id;
        this.dataDir = dataDir;
        this.raftPort = freePort();
        this.adminPort = freePort();
        this.nbdPort = freePort();
        settings.put("heartbeat-interval", "500ms");
        settings.put("node-down-after", "5s");
    }

    NodeProcess set(String key, String value) {
        settings.put(key, value);
        return this;
    }

    static Path jar() {
        return Path.of(System.getProperty("cairn.jar", "target/cairn.jar")).toAbsolutePath();
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    String raftAddress() {
        return "127.0.0.1:" + raftPort;
    }

    String adminUrl() {
        return "http://127.0.0.1:" + adminPort;
    }

    /** Logs outlive the test's temporary directory: target/it-logs/<run dir>/<node>.log. */
    Path log() {
        String keep = System.getProperty("cairn.it.logs");
        Path dir = keep == null ? dataDir.getParent() : Path.of(keep, dataDir.getParent().getFileName().toString());
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir.resolve(id + ".log");
    }

    NodeProcess start() {
        List<String> cmd = new ArrayList<>(List.of(java(), "-Xmx512m", "-jar", jar().toString(), "node", "run",
                "--id", id, "--data-dir", dataDir.toString(), "--raft-address", raftAddress(),
                "--admin-address", "127.0.0.1:" + adminPort, "--nbd-address", "127.0.0.1:" + nbdPort));
        settings.forEach((k, v) -> {
            cmd.add("--set");
            cmd.add(k + "=" + v);
        });
        try {
            Files.createDirectories(dataDir.getParent());
            process = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        AdminHttp admin = new AdminHttp(adminUrl(), null);
        Waits.until(Duration.ofSeconds(60), "node " + id + " answers on " + adminUrl(), () -> {
            if (!process.isAlive()) {
                throw new AssertionError("node " + id + " exited with " + process.exitValue() + "; log:\n" + tail());
            }
            return admin.get("/v1/health").status() == 200;
        });
        return this;
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    /** SIGKILL: no shutdown hook, no flush, as a power cut or OOM kill would. */
    void kill9() {
        if (process != null) {
            process.destroyForcibly();
            waitExit();
        }
    }

    /** SIGTERM and wait for a clean exit. */
    void stop() {
        if (process != null && process.isAlive()) {
            process.destroy();
            waitExit();
        }
    }

    private void waitExit() {
        try {
            if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    String tail() {
        try {
            List<String> lines = Files.readAllLines(log());
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /**
     * A port that binds now, below the kernel's ephemeral range (32768 and up here): a port the
     * kernel handed out with {@code new ServerSocket(0)} can be taken, before this node starts, as
     * the local end of another node's outgoing connection ("Address already in use" seen in CI).
     * Successive calls never return the same port.
     */
    static int freePort() {
        for (int tries = 0; tries < LOW_PORTS; tries++) {
            int port = LOW_PORT_BASE + Math.floorMod(nextLowPort.getAndIncrement(), LOW_PORTS);
            try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            } catch (IOException busy) {
                // taken: try the next one
            }
        }
        throw new UncheckedIOException(new IOException("no free port in " + LOW_PORT_BASE + ".." + (LOW_PORT_BASE + LOW_PORTS)));
    }

    private static final int LOW_PORT_BASE = 20_000;
    private static final int LOW_PORTS = 12_000;
    private static final java.util.concurrent.atomic.AtomicInteger nextLowPort =
            new java.util.concurrent.atomic.AtomicInteger(new java.util.Random().nextInt(LOW_PORTS));

    @Override
    public void close() {
        stop();
    }
}
