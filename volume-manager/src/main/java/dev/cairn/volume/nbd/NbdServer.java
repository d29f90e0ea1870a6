package dev.cairn.volume.nbd;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The NBD server: a TCP listener and optionally a unix socket, both serving the same exports. */
public final class NbdServer implements AutoCloseable {
    private final EventLoopGroup group;
    private final List<Channel> listeners = new ArrayList<>();
    private final NbdServerConfig config;
    private final NbdMetrics metrics;

    public NbdServer(NbdServerConfig config, ExportRegistry exports) throws InterruptedException {
        this(config, exports, new NbdMetrics(new com.codahale.metrics.MetricRegistry()));
    }

    public NbdServer(NbdServerConfig config, ExportRegistry exports, NbdMetrics metrics) throws InterruptedException {
        this.config = config;
        this.metrics = metrics;
        boolean epoll = Epoll.isAvailable();
        group = epoll ? new EpollEventLoopGroup(2) : new NioEventLoopGroup(2);
        ChannelInitializer<Channel> init = new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast("frames", new NbdFrameDecoder(config.maxPayload()))
                        .addLast("handshake", new NbdHandshakeHandler(exports, config, metrics));
            }
        };
        try {
            int colon = config.tcpAddress().lastIndexOf(':');
            InetSocketAddress tcp = new InetSocketAddress(config.tcpAddress().substring(0, colon),
                    Integer.parseInt(config.tcpAddress().substring(colon + 1)));
            listeners.add(new ServerBootstrap().group(group)
                    .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(init).bind(tcp).sync().channel());
            if (config.unixSocket() != null) {
                if (!epoll) {
                    throw new IllegalStateException("a unix socket for NBD needs Netty's native epoll transport (Linux x86_64)");
                }
                Files.deleteIfExists(config.unixSocket());
                listeners.add(new ServerBootstrap().group(group).channel(EpollServerDomainSocketChannel.class)
                        .childHandler(init).bind(new DomainSocketAddress(config.unixSocket().toFile())).sync().channel());
            }
        } catch (IOException e) {
            close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException | InterruptedException e) {
            close();
            throw e;
        }
    }

    /** The TCP port actually bound (useful with port 0). */
    public int port() {
        return ((InetSocketAddress) listeners.get(0).localAddress()).getPort();
    }

    public NbdMetrics metrics() {
        return metrics;
    }

    @Override
    public void close() {
        for (Channel c : listeners) {
            c.close().syncUninterruptibly();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        if (config.unixSocket() != null) {
            try {
                Files.deleteIfExists(config.unixSocket());
            } catch (IOException ignored) {
                // best effort
            }
        }
    }
}
