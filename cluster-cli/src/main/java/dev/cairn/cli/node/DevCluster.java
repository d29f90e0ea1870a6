package dev.cairn.cli.node;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The embedded local cluster of {@code cairn dev up}: N node processes on loopback ports under one
 * directory, node i listening on admin 9400+i-1, NBD 10809+i-1 and Raft 9500+i-1 (plus an
 * optional offset), so that node 1 answers on the default endpoints.
 */
final class DevCluster {
    final Path dir;
    final int nodes;
    final int portOffset;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    DevCluster(Path dir, int nodes, int portOffset) {
        this.dir = dir.toAbsolutePath();
        this.nodes = nodes;
        this.portOffset = portOffset;
    }

    String id(int i) {
        return "node-" + i;
    }

    Path nodeDir(int i) {
        return dir.resolve(id(i));
    }

    int adminPort(int i) {
        return 9400 + portOffset + i - 1;
    }

    int nbdPort(int i) {
        return 10809 + portOffset + i - 1;
    }

    int raftPort(int i) {
        return 9500 + portOffset + i - 1;
    }

    String adminUrl(int i) {
        return "http://127.0.0.1:" + adminPort(i);
    }

    Path pidFile(int i) {
        return nodeDir(i).resolve("node.pid");
    }

    Path log(int i) {
        return nodeDir(i).resolve("node.log");
    }

    Path tokenFile() {
        return nodeDir(1).resolve("token");
    }

    /** Extra node settings (KEY=VALUE, as `node run --set`), e.g. for benchmarks. */
    final java.util.List<String> settings = new ArrayList<>();

    Optional<ProcessHandle> running(int i) {
        try {
            long pid = Long.parseLong(Files.readString(pidFile(i)).trim());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * The node JVM's flags, as in the image's launcher (conf/docker/cairn). G1 with 8 MiB regions:
     * with the 1 MiB regions G1 picks for a 1 GiB heap, every 1 MiB write's buffers are humongous
     * objects, and 1 MiB writes ran at 175 / 67 MB/s (1 / 3 replicas) at 8.7 / 35.5 CPU-s/GiB
     * instead of 449 / 137 at 3.0 / 15.1 (docs/benchmarks.md, ninth round).
     */
    static final String NODE_JVM_FLAGS = "-Xmx1g -XX:G1HeapRegionSize=8m";

    /** Starts node i as a background process that outlives this command. */
    void start(int i) throws IOException {
        Files.createDirectories(nodeDir(i));
        List<String> cmd = new ArrayList<>(List.of(javaBinary()));
        cmd.addAll(List.of(NODE_JVM_FLAGS.split(" ")));
        String opts = System.getenv("CAIRN_NODE_JAVA_OPTS"); // after ours: the JVM takes the last of a flag
        if (opts != null && !opts.isBlank()) {
            cmd.addAll(List.of(opts.trim().split("\\s+")));
        }
        cmd.addAll(ProcessHandle.current().info().arguments().map(List::of).orElse(List.of()).stream()
                .filter(a -> a.startsWith("--enable-native-access") || a.startsWith("--sun-misc-unsafe-memory-access")).toList());
        cmd.addAll(List.of("-jar", ownJar().toString(), "node", "run", "--id", id(i), "--data-dir", nodeDir(i).toString(),
                "--raft-address", "127.0.0.1:" + raftPort(i), "--admin-address", "127.0.0.1:" + adminPort(i),
                "--nbd-address", "127.0.0.1:" + nbdPort(i)));
        for (String setting : settings) {
            cmd.add("--set");
            cmd.add(setting);
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log(i).toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        Files.writeString(pidFile(i), p.pid() + "\n");
    }

    /** GET or POST against node i; returns (status, body) or empty if the node does not answer. */
    Optional<String[]> call(int i, String method, String path, String body, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(adminUrl(i) + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return Optional.of(new String[] {Integer.toString(r.statusCode()), r.body()});
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    static String javaBinary() {
        return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    static Path ownJar() {
        try {
            return Path.of(DevCluster.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
