package dev.cairn.volume.nbd;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transmission phase (proto.md "Transmission"): each request is checked, handed to the device
 * at once, and answered with a simple reply when its future completes, so many requests are in
 * flight and replies may come out of order. Reading pauses while more than the configured number
 * of requests or bytes are in flight.
 */
final class NbdTransmissionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(NbdTransmissionHandler.class);

    private final BlockDevice device;
    private final NbdServerConfig config;
    private final NbdMetrics metrics;
    private int inFlight;
    private long inFlightBytes;
    private boolean disconnecting;
    private boolean flushScheduled;
    private ChannelHandlerContext ctx;

    NbdTransmissionHandler(BlockDevice device, NbdServerConfig config, NbdMetrics metrics) {
        this.device = device;
        this.config = config;
        this.metrics = metrics;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof NbdMessage m)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        switch (m) {
            case NbdMessage.Request request -> {
                try {
                    request(request);
                } finally {
                    request.release();
                }
            }
            case NbdMessage.Garbage garbage -> {
                LOG.warn("NBD client {}: {}; closing the connection", ctx.channel().remoteAddress(), garbage.what());
                metrics.protocolError();
                ctx.close();
            }
            case NbdMessage.Option option -> {
                if (option.data() != null) {
                    option.data().release();
                }
                ctx.close();
            }
            case NbdMessage.ClientFlags flags -> ctx.close();
        }
    }

    private void request(NbdMessage.Request r) {
        if (disconnecting) {
            return;
        }
        int type = r.type();
        if (type == Nbd.CMD_DISC) {
            disconnecting = true;
            ctx.channel().config().setAutoRead(false);
            closeIfDone();
            return;
        }
        long started = System.nanoTime();
        if (r.oversized() || (type == Nbd.CMD_READ && r.length() > config.maxPayload())) {
            reply(r, NbdError.EINVAL, null, started);
            return;
        }
        boolean ranged = type == Nbd.CMD_READ || type == Nbd.CMD_WRITE || type == Nbd.CMD_TRIM || type == Nbd.CMD_WRITE_ZEROES;
        if (ranged && (r.offset() < 0 || r.offset() > device.sizeBytes() || r.length() > device.sizeBytes() - r.offset())) {
            // proto.md: ENOSPC for a write beyond the end, EINVAL for a read, trim or zero beyond it.
            reply(r, type == Nbd.CMD_WRITE ? NbdError.ENOSPC : NbdError.EINVAL, null, started);
            return;
        }
        if (ranged && r.length() == 0) {
            reply(r, null, type == Nbd.CMD_READ ? Unpooled.EMPTY_BUFFER : null, started);
            return;
        }
        boolean fua = (r.flags() & Nbd.CMD_FLAG_FUA) != 0;
        CompletableFuture<?> future;
        try {
            future = switch (type) {
                case Nbd.CMD_READ -> device.read(r.offset(), (int) r.length());
                case Nbd.CMD_WRITE -> device.write(r.offset(), r.payload().nioBuffer(), fua);
                case Nbd.CMD_FLUSH -> device.flush();
                case Nbd.CMD_TRIM -> device.trim(r.offset(), r.length());
                case Nbd.CMD_WRITE_ZEROES -> device.writeZeroes(r.offset(), r.length(), fua);
                default -> null;
            };
        } catch (RuntimeException e) {
            future = CompletableFuture.failedFuture(e);
        }
        if (future == null) {
            reply(r, NbdError.EINVAL, null, started);
            return;
        }
        long bytes = (type == Nbd.CMD_READ || type == Nbd.CMD_WRITE) ? r.length() : 0;
        track(+1, bytes);
        future.whenComplete((value, error) -> ctx.executor().execute(() -> {
            track(-1, -bytes);
            if (error != null) {
                reply(r, errorOf(error), null, started);
            } else if (type == Nbd.CMD_READ) {
                reply(r, null, Unpooled.wrappedBuffer((ByteBuffer) value), started);
            } else {
                reply(r, null, null, started);
            }
            closeIfDone();
        }));
    }

    private NbdError errorOf(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof BlockDeviceException b) {
            LOG.debug("NBD {} on {}: {}", b.error(), device.name(), b.getMessage());
            return b.error();
        }
        LOG.warn("NBD request on {} failed unexpectedly", device.name(), cause);
        return NbdError.EIO;
    }

    private void track(int requests, long bytes) {
        inFlight += requests;
        inFlightBytes += bytes;
        boolean over = inFlight >= config.maxInFlightRequests() || inFlightBytes >= config.maxInFlightBytes();
        if (!disconnecting) {
            ctx.channel().config().setAutoRead(!over);
        }
    }

    private void reply(NbdMessage.Request r, NbdError error, ByteBuf data, long started) {
        metrics.completed(Nbd.commandName(r.type()), r.length(), System.nanoTime() - started, error != null);
        ByteBuf header = NbdReplies.simpleReplyHeader(ctx.alloc(), error == null ? 0 : error.code(), r.handle());
        if (!ctx.channel().isActive()) {
            header.release();
            if (data != null) {
                data.release();
            }
            return;
        }
        ctx.write(data == null ? header : Unpooled.wrappedBuffer(header, data), ctx.voidPromise());
        scheduleFlush();
    }

    /**
     * Replies are flushed once per batch: the flush runs after the tasks already queued on the event
     * loop, so replies completed together (one Raft entry acknowledges many writes) leave in one
     * write to the socket instead of one system call each.
     */
    private void scheduleFlush() {
        if (!flushScheduled) {
            flushScheduled = true;
            ctx.executor().execute(() -> {
                flushScheduled = false;
                ctx.flush();
            });
        }
    }

    private void closeIfDone() {
        if (disconnecting && inFlight == 0) {
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("NBD connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
