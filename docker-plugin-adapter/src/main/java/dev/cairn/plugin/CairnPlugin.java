package dev.cairn.plugin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Docker volume plugin process: reconciles its mount table with the host and Docker, then
 * answers Docker on the plugin socket, and re-checks its references periodically.
 */
public final class CairnPlugin implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CairnPlugin.class);
    private static final int MAX_REQUEST = 1 << 20;
    /** Docker's Mount timeout; references younger than this are never called leaked. */
    private static final long MOUNT_GRACE_MS = 150_000;

    private final PluginConfig config;
    private final VolumeDriver driver;
    private final DockerEngine docker;
    private final EventLoopGroup group = new EpollEventLoopGroup(1);
    private final ExecutorService workers = Executors.newFixedThreadPool(16, r -> {
        Thread t = new Thread(r, "plugin-call");
        t.setDaemon(true);
        return t;
    });
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "plugin-reconcile");
        t.setDaemon(true);
        return t;
    });
    private Channel listener;

    public CairnPlugin(PluginConfig config) {
        this.config = config;
        PluginBackend backend = new NodeApiBackend(config.endpoint(), () -> readToken(config.tokenFile()), config.attachWait());
        this.driver = new VolumeDriver(backend, new LinuxHostMounts(config.stateDir()),
                new MountTable(config.stateDir().resolve("mounts.json")), config.stateDir(), Clock.systemUTC());
        this.docker = new DockerEngine(config.dockerSocket(), config.driverName());
    }

    public CairnPlugin start() throws InterruptedException {
        try {
            Files.createDirectories(config.stateDir().resolve("mnt"));
            Files.createDirectories(config.socket().getParent());
            Files.deleteIfExists(config.socket());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + config.stateDir() + " and " + config.socket() + ": " + e.getMessage(), e);
        }
        reconcile("start");
        listener = new ServerBootstrap().group(group).channel(EpollServerDomainSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_REQUEST),
                                new PluginHandler(driver, workers));
                    }
                }).bind(new DomainSocketAddress(config.socket().toFile())).sync().channel();
        try {
            Files.setPosixFilePermissions(config.socket(), PosixFilePermissions.fromString("rw-rw----"));
        } catch (IOException e) {
            LOG.warn("cannot restrict {}: {}", config.socket(), e.getMessage());
        }
        long every = config.reconcileEvery().toMillis();
        timer.scheduleWithFixedDelay(() -> reconcile("periodic"), every, every, TimeUnit.MILLISECONDS);
        LOG.info("Docker volume plugin '{}' listening on {} (node {}, state in {})", config.driverName(), config.socket(),
                config.endpoint(), config.stateDir());
        return this;
    }

    private void reconcile(String why) {
        try {
            Set<String> inUse = docker.volumesInUse().orElse(null);
            if (inUse == null) {
                LOG.debug("reconcile ({}): Docker at {} not reachable; checking the host's mounts only", why, config.dockerSocket());
            }
            driver.reconcile(inUse, MOUNT_GRACE_MS);
        } catch (RuntimeException e) {
            LOG.warn("reconcile ({}) failed: {}", why, e.toString());
        }
    }

    private static String readToken(Path file) {
        if (file == null) {
            return System.getenv().getOrDefault("CAIRN_TOKEN", "");
        }
        try {
            return Files.readString(file, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        if (listener != null) {
            listener.close().syncUninterruptibly();
        }
        workers.shutdown();
        try {
            workers.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        try {
            Files.deleteIfExists(config.socket());
        } catch (IOException e) {
            LOG.debug("cannot remove {}", config.socket(), e);
        }
    }
}
