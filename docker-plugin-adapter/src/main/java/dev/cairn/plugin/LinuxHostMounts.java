package dev.cairn.plugin;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mounts with the host's own tools. The block device is the kernel NBD client ({@code nbd-client})
 * where {@code /dev/nbd*} exists, else {@code nbdfuse} (a FUSE file backed by the NBD export) under a
 * loop device. {@code nbdfuse} runs in its own session, so a restart of the plugin does not take the
 * devices of running containers with it.
 */
final class LinuxHostMounts implements HostMounts {
    private static final Logger LOG = LoggerFactory.getLogger(LinuxHostMounts.class);
    private static final Duration SHORT = Duration.ofSeconds(20);
    private static final Duration MKFS = Duration.ofSeconds(90);
    private static final int BLANK_PROBE_BYTES = 1 << 20;

    private final Path stateDir;
    private final boolean kernelNbd;

    LinuxHostMounts(Path stateDir) {
        this.stateDir = stateDir;
        this.kernelNbd = new File("/dev/nbd0").exists() && Commands.available("nbd-client");
    }

    @Override
    public boolean xfsAvailable() {
        return Commands.available("mkfs.xfs");
    }

    @Override
    public Mounted mount(String volume, String nbdUri, String filesystem, Path mountpoint) {
        Mounted device = kernelNbd ? connectKernel(volume, nbdUri) : connectFuse(volume, nbdUri);
        try {
            String type = formatIfBlank(volume, device.device(), filesystem);
            Files.createDirectories(mountpoint);
            if (!mountedUnder(mountpoint.getParent()).contains(mountpoint)) {
                String options = type.equals("xfs") ? "noatime,nouuid" : "noatime";
                Commands.check(List.of("mount", "-t", type, "-o", options, device.device(), mountpoint.toString()), SHORT);
            }
            return new Mounted(device.device(), device.fuseDir(), mountpoint);
        } catch (IOException | RuntimeException e) {
            release(volume, device.device(), device.fuseDir(), mountpoint);
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    private Mounted connectFuse(String volume, String nbdUri) {
        Path fuseDir = stateDir.resolve("fuse").resolve(volume);
        Path pidFile = stateDir.resolve("run").resolve(volume + ".nbdfuse.pid");
        Path log = stateDir.resolve("log").resolve("nbdfuse-" + volume + ".log");
        try {
            if (mountedUnder(fuseDir.getParent()).contains(fuseDir)) {
                LOG.warn("volume {}: a stale nbdfuse is mounted at {}; unmounting it first", volume, fuseDir);
                detachLoops(fuseDir.resolve("disk"));
                Commands.run(List.of("fusermount3", "-uz", fuseDir.toString()), SHORT);
            }
            Files.createDirectories(fuseDir);
            Files.createDirectories(pidFile.getParent());
            Files.createDirectories(log.getParent());
            Files.deleteIfExists(pidFile);
            Process p = new ProcessBuilder("setsid", "nbdfuse", "-P", pidFile.toString(), fuseDir.resolve("disk").toString(), nbdUri)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            long deadline = System.nanoTime() + SHORT.toNanos();
            while (!(Files.exists(pidFile) && Files.size(pidFile) > 0)) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    p.destroy();
                    throw new IllegalStateException("nbdfuse could not connect to " + nbdUri + ": " + tail(log));
                }
                Thread.sleep(20);
            }
            String loop = Commands.check(List.of("losetup", "--find", "--show", fuseDir.resolve("disk").toString()), SHORT);
            return new Mounted(loop, fuseDir.toString(), null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start nbdfuse for " + volume + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while connecting " + volume, e);
        }
    }

    private Mounted connectKernel(String volume, String nbdUri) {
        URI uri = URI.create(nbdUri);
        for (int i = 0; new File("/dev/nbd" + i).exists(); i++) {
            if (new File("/sys/block/nbd" + i + "/pid").exists()) {
                continue;
            }
            String dev = "/dev/nbd" + i;
            Commands.Result r = Commands.run(List.of("nbd-client", uri.getHost(), String.valueOf(uri.getPort()), dev,
                    "-N", volume), SHORT);
            if (r.ok()) {
                return new Mounted(dev, "", null);
            }
            LOG.warn("volume {}: nbd-client on {} failed: {}", volume, dev, r.output());
        }
        throw new IllegalStateException("no free /dev/nbd device for " + volume + " (load nbd with more devices: modprobe nbd nbds_max=64)");
    }

    /** Returns the filesystem type on {@code device}, formatting it first if it is blank. */
    private String formatIfBlank(String volume, String device, String filesystem) throws IOException {
        Commands.Result probe = Commands.run(List.of("blkid", "-p", "-o", "value", "-s", "TYPE", device), SHORT);
        if (probe.ok() && !probe.output().isBlank()) {
            return probe.output().lines().findFirst().orElseThrow().trim();
        }
        if (probe.exit() != 2) {
            throw new IllegalStateException("cannot tell whether volume " + volume + " has a filesystem (blkid exit "
                    + probe.exit() + ": " + probe.output() + "); not formatting it");
        }
        if (!blank(device)) {
            throw new IllegalStateException("volume " + volume + " holds data but no filesystem this host recognises;"
                    + " refusing to format it (use it as a raw volume through `cairn volume inspect`'s nbd URI, or remove it)");
        }
        String fs = filesystem == null || filesystem.isEmpty() ? "ext4" : filesystem;
        LOG.info("volume {}: first use, formatting {} with {}", volume, device, fs);
        if (fs.equals("xfs")) {
            Commands.check(List.of("mkfs.xfs", "-q", "-K", device), MKFS);
        } else {
            Commands.check(List.of("mkfs.ext4", "-q", "-F", "-E", "nodiscard,lazy_itable_init=1,lazy_journal_init=1", device), MKFS);
        }
        return fs;
    }

    private static boolean blank(String device) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(BLANK_PROBE_BYTES);
        try (FileChannel ch = FileChannel.open(Path.of(device), StandardOpenOption.READ)) {
            while (buf.hasRemaining() && ch.read(buf) > 0) {
                // keep reading
            }
        }
        buf.flip();
        while (buf.hasRemaining()) {
            if (buf.get() != 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void release(String volume, String device, String fuseDir, Path mountpoint) {
        if (mountpoint != null && mountedUnder(mountpoint.getParent()).contains(mountpoint)) {
            Commands.Result r = Commands.run(List.of("umount", mountpoint.toString()), SHORT);
            if (!r.ok()) {
                LOG.warn("volume {}: umount {} failed ({}); detaching it lazily", volume, mountpoint, r.output());
                Commands.run(List.of("umount", "-l", mountpoint.toString()), SHORT);
            }
        }
        if (fuseDir != null && !fuseDir.isEmpty()) {
            detachLoops(Path.of(fuseDir).resolve("disk"));
            Path dir = Path.of(fuseDir);
            if (mountedUnder(dir.getParent()).contains(dir)) {
                Commands.Result r = Commands.run(List.of("fusermount3", "-u", fuseDir), SHORT);
                if (!r.ok()) {
                    LOG.warn("volume {}: fusermount3 -u {} failed ({}); detaching it lazily", volume, fuseDir, r.output());
                    Commands.run(List.of("fusermount3", "-uz", fuseDir), SHORT);
                }
            }
        } else if (device != null && device.startsWith("/dev/nbd")) {
            Commands.run(List.of("nbd-client", "-d", device), SHORT);
        }
    }

    /** Detaches the loop devices backed by {@code file} (and only those: loop numbers get reused). */
    private static void detachLoops(Path file) {
        Commands.Result r = Commands.run(List.of("losetup", "-n", "-O", "NAME", "-j", file.toString()), SHORT);
        if (!r.ok()) {
            return;
        }
        for (String loop : r.output().lines().map(String::trim).filter(s -> s.startsWith("/dev/loop")).toList()) {
            Commands.Result d = Commands.run(List.of("losetup", "-d", loop), SHORT);
            if (!d.ok()) {
                LOG.warn("losetup -d {} failed: {}", loop, d.output());
            }
        }
    }

    @Override
    public Set<Path> mountedUnder(Path root) {
        Set<Path> found = new HashSet<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
                String[] f = line.split(" ");
                if (f.length > 4) {
                    Path p = Path.of(unescape(f[4]));
                    if (p.startsWith(root) && !p.equals(root)) {
                        found.add(p);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/self/mountinfo", e);
        }
        return found;
    }

    /** mountinfo escapes space, tab, newline and backslash as \ooo octal. */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.exists(log) ? Files.readAllLines(log) : new ArrayList<>();
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
