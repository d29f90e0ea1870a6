package dev.cairn.it;

import dev.cairn.plugin.UnixHttp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One simulated Docker host on this machine: a real {@code dockerd} (Debian's docker.io) and the
 * Cairn plugin beside the host's node. Each host's dockerd runs in its own mount namespace, where
 * its own directory is bind-mounted over {@code /run/docker/plugins} (the path dockerd looks for
 * plugin sockets in is fixed), so two hosts each find their own plugin. The plugin runs in the root
 * namespace; its state directory is a shared mount, so what it mounts there propagates into its
 * dockerd's namespace, as on a real host. Containers run with {@code --network none}.
 */
final class DockerHost implements AutoCloseable {
    final String name;
    final Path dir;
    final Path stateDir;
    final Path pluginSocket;
    final Path dockerSocket;
    private final NodeProcess node;
    private final Path tokenFile;
    private Process plugin;
    private Process dockerd;

    DockerHost(Path dir, String name, NodeProcess node, Path tokenFile) {
        this.name = name;
        this.dir = dir;
        this.node = node;
        this.tokenFile = tokenFile;
        this.stateDir = dir.resolve("state");
        this.pluginSocket = dir.resolve("plugins").resolve("cairn.sock");
        this.dockerSocket = dir.resolve("docker.sock");
    }

    DockerHost start() {
        try {
            Files.createDirectories(stateDir);
            Files.createDirectories(pluginSocket.getParent());
            Files.createDirectories(Path.of("/run/docker/plugins"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        sh("mount --bind " + stateDir + " " + stateDir + " && mount --make-shared " + stateDir);
        startPlugin();
        try {
            dockerd = new ProcessBuilder("unshare", "-m", "--propagation", "slave", "sh", "-c",
                    "mount --bind " + pluginSocket.getParent() + " /run/docker/plugins && exec dockerd --data-root " + dir.resolve("root")
                            + " --exec-root " + dir.resolve("exec") + " --pidfile " + dir.resolve("docker.pid")
                            + " -H unix://" + dockerSocket + " --bridge=none --iptables=false --ip-masq=false"
                            + " --containerd-namespace cairn-it-" + name + " --containerd-plugins-namespace cairn-it-" + name + "-plugins")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log("dockerd").toFile())).start();
        } catch (IOException e) {
            throw new AssertionError("cannot start dockerd (apt-get install docker.io): " + e.getMessage(), e);
        }
        Waits.until(Duration.ofSeconds(60), name + "'s dockerd answers", () -> {
            if (!dockerd.isAlive()) {
                throw new AssertionError(name + "'s dockerd exited: " + Files.readString(log("dockerd")));
            }
            return docker("version", "--format", "{{.Server.Version}}").exit() == 0;
        });
        NbdTools.Result imported = NbdTools.run(List.of("sh", "-c", "tar -C " + busyboxRoot() + " -c . | docker -H unix://"
                + dockerSocket + " import - bb:local"), 120);
        if (imported.exit() != 0) {
            throw new AssertionError("docker import of busybox failed: " + imported.output());
        }
        return this;
    }

    void startPlugin() {
        try {
            plugin = new ProcessBuilder(NodeProcess.java(), "-jar", NodeProcess.jar().toString(), "plugin", "run",
                    "--socket", pluginSocket.toString(), "--endpoint", node.adminUrl(), "--token-file", tokenFile.toString(),
                    "--state-dir", stateDir.toString(), "--docker-socket", dockerSocket.toString(), "--attach-wait", "60s",
                    "--reconcile-every", "5s")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log("plugin").toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Waits.until(Duration.ofSeconds(60), name + "'s plugin listens", () -> {
            if (!plugin.isAlive()) {
                throw new AssertionError(name + "'s plugin exited: " + Files.readString(log("plugin")));
            }
            return Files.exists(pluginSocket) && call("Plugin.Activate", "").contains("VolumeDriver");
        });
    }

    /** kill -9 of the plugin: no shutdown hook runs. */
    void killPlugin() {
        if (plugin != null) {
            plugin.destroyForcibly();
            try {
                plugin.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    NbdTools.Result docker(String... args) {
        List<String> cmd = new ArrayList<>(List.of("docker", "-H", "unix://" + dockerSocket));
        cmd.addAll(List.of(args));
        return NbdTools.run(cmd, 180);
    }

    /** True if the plugin has {@code volume} mounted on this host. */
    boolean mounted(String volume) {
        try {
            String want = " " + stateDir.resolve("mnt").resolve(volume) + " ";
            return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().anyMatch(l -> l.contains(want));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Loop devices and nbdfuse processes still serving {@code volume} on this host. */
    String leftovers(String volume) {
        String loops = NbdTools.run(List.of("losetup", "-n", "-O", "NAME", "-j",
                stateDir.resolve("fuse").resolve(volume).resolve("disk").toString()), 20).output().trim();
        String fuse = NbdTools.run(List.of("pgrep", "-af", "nbdfuse .*" + stateDir.resolve("fuse").resolve(volume)), 20).output().trim();
        return (loops + " " + fuse).trim();
    }

    /** One raw plugin call on the socket, as dockerd would send it; returns the reply body. */
    String call(String method, String json) {
        try {
            return UnixHttp.exchange(pluginSocket, "POST", "/" + method, json).body();
        } catch (IOException e) {
            return "(no answer: " + e.getMessage() + ")";
        }
    }

    private Path log(String what) {
        String keep = System.getProperty("cairn.it.logs");
        Path logDir = keep == null ? dir : Path.of(keep, dir.getParent().getFileName().toString());
        try {
            Files.createDirectories(logDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return logDir.resolve(name + "-" + what + ".log");
    }

    /** A root filesystem with the static busybox and its applet links, for {@code docker import}. */
    private Path busyboxRoot() {
        Path root = dir.resolve("bbroot");
        Path busybox = Path.of("/bin/busybox");
        if (!Files.isExecutable(busybox)) {
            throw new AssertionError("/bin/busybox is missing: apt-get install busybox-static");
        }
        sh("mkdir -p " + root + "/bin " + root + "/tmp " + root + "/data && cp /bin/busybox " + root + "/bin/ && for a in $("
                + busybox + " --list); do [ \"$a\" = busybox ] || ln -sf busybox " + root + "/bin/$a; done");
        return root;
    }

    private static String sh(String script) {
        NbdTools.Result r = NbdTools.run(List.of("sh", "-c", script), 60);
        if (r.exit() != 0) {
            throw new AssertionError(script + " failed: " + r.output());
        }
        return r.output();
    }

    /** Removes containers, stops dockerd and the plugin, and takes down whatever is still mounted. */
    @Override
    public void close() {
        if (dockerd != null && dockerd.isAlive()) {
            NbdTools.run(List.of("sh", "-c", "docker -H unix://" + dockerSocket + " ps -aq | xargs -r docker -H unix://"
                    + dockerSocket + " rm -f"), 120);
            dockerd.destroy();
            try {
                if (!dockerd.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                    dockerd.destroyForcibly().waitFor();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (plugin != null && plugin.isAlive()) {
            plugin.destroy();
            try {
                plugin.waitFor(20, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            plugin.destroyForcibly();
        }
        NbdTools.run(List.of("sh", "-c", "for m in $(grep -o ' " + stateDir + "/mnt/[^ ]*' /proc/self/mountinfo); do umount -l $m; done;"
                + " for f in " + stateDir + "/fuse/*/disk; do losetup -j $f -n -O NAME | xargs -r -n1 losetup -d; done;"
                + " for m in $(grep -o ' " + stateDir + "/fuse/[^ ]*' /proc/self/mountinfo); do fusermount3 -uz $m; done;"
                + " umount -l " + stateDir + " 2>/dev/null; true"), 60);
    }
}
