package dev.cairn.volume.nbd;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fixed newstyle handshake and option haggling (proto.md "Handshake" and "Option haggling").
 * Supports EXPORT_NAME, ABORT, LIST, INFO and GO; every other option is answered with
 * NBD_REP_ERR_UNSUP and haggling goes on. On GO or EXPORT_NAME it hands the channel to a
 * {@link NbdTransmissionHandler} for the chosen export.
 */
final class NbdHandshakeHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(NbdHandshakeHandler.class);

    private final ExportRegistry exports;
    private final NbdServerConfig config;
    private final NbdMetrics metrics;
    private boolean noZeroes;

    NbdHandshakeHandler(ExportRegistry exports, NbdServerConfig config, NbdMetrics metrics) {
        this.exports = exports;
        this.config = config;
        this.metrics = metrics;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        metrics.connectionOpened();
        ctx.writeAndFlush(NbdReplies.greeting(ctx.alloc()));
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        metrics.connectionClosed();
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof NbdMessage m)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        switch (m) {
            case NbdMessage.ClientFlags flags -> clientFlags(ctx, flags.flags());
            case NbdMessage.Option option -> {
                try {
                    option(ctx, option);
                } finally {
                    if (option.data() != null) {
                        option.data().release();
                    }
                }
            }
            case NbdMessage.Garbage garbage -> protocolError(ctx, garbage.what());
            case NbdMessage.Request request -> {
                request.release();
                protocolError(ctx, "a request before the handshake finished");
            }
        }
    }

    private void clientFlags(ChannelHandlerContext ctx, int flags) {
        if ((flags & Nbd.FLAG_FIXED_NEWSTYLE) == 0 || (flags & ~Nbd.CLIENT_FLAGS_KNOWN) != 0) {
            protocolError(ctx, "client flags 0x" + Integer.toHexString(flags) + " (this server speaks fixed newstyle only)");
            return;
        }
        noZeroes = (flags & Nbd.FLAG_NO_ZEROES) != 0;
    }

    private void option(ChannelHandlerContext ctx, NbdMessage.Option option) {
        ByteBufAllocator alloc = ctx.alloc();
        int opt = option.option();
        if (option.data() == null) {
            ctx.writeAndFlush(NbdReplies.optionError(alloc, opt, Nbd.REP_ERR_TOO_BIG, "option data of " + option.length() + " bytes is too long"));
            return;
        }
        ByteBuf data = option.data();
        switch (opt) {
            case Nbd.OPT_EXPORT_NAME -> exportName(ctx, data.toString(StandardCharsets.UTF_8));
            case Nbd.OPT_ABORT -> ctx.writeAndFlush(NbdReplies.option(alloc, opt, Nbd.REP_ACK, null)).addListener(ChannelFutureListener.CLOSE);
            case Nbd.OPT_LIST -> {
                if (data.isReadable()) {
                    ctx.writeAndFlush(NbdReplies.optionError(alloc, opt, Nbd.REP_ERR_INVALID, "NBD_OPT_LIST takes no data"));
                    return;
                }
                for (String name : exports.names()) {
                    ctx.write(NbdReplies.server(alloc, name));
                }
                ctx.writeAndFlush(NbdReplies.option(alloc, opt, Nbd.REP_ACK, null));
            }
            case Nbd.OPT_INFO, Nbd.OPT_GO -> infoOrGo(ctx, opt, data);
            default -> ctx.writeAndFlush(NbdReplies.optionError(alloc, opt, Nbd.REP_ERR_UNSUP, "option " + opt + " is not supported"));
        }
    }

    /** proto.md NBD_OPT_INFO / NBD_OPT_GO: name length, name, info request count, info types. */
    private void infoOrGo(ChannelHandlerContext ctx, int opt, ByteBuf data) {
        ByteBufAllocator alloc = ctx.alloc();
        if (data.readableBytes() < 6) {
            ctx.writeAndFlush(NbdReplies.optionError(alloc, opt, Nbd.REP_ERR_INVALID, "option data too short"));
            return;
        }
        long nameLength = data.readUnsignedInt();
        if (nameLength > data.readableBytes() - 2) {
            ctx.writeAndFlush(NbdReplies.optionError(alloc, opt, Nbd.REP_ERR_INVALID, "name length exceeds the option data"));
            return;
        }
        String name = data.readCharSequence((int) nameLength, StandardCharsets.UTF_8).toString();
        int requests = data.readUnsignedShort();
        if (data.readableBytes() != requests * 2) {
            ctx.writeAndFlush(NbdReplies.optionError(alloc, opt, Nbd.REP_ERR_INVALID, "information request count does not match the data"));
            return;
        }
        boolean wantName = false;
        for (int i = 0; i < requests; i++) {
            wantName |= data.readUnsignedShort() == Nbd.INFO_NAME;
        }
        Optional<BlockDevice> device = exports.find(name);
        if (device.isEmpty()) {
            ctx.writeAndFlush(NbdReplies.optionError(alloc, opt, Nbd.REP_ERR_UNKNOWN,
                    "no export '" + name + "' here: the volume does not exist or this node is not its primary"));
            return;
        }
        BlockDevice d = device.get();
        ctx.write(NbdReplies.infoExport(alloc, opt, d.sizeBytes(), transmissionFlags()));
        ctx.write(NbdReplies.infoBlockSize(alloc, opt, 1, d.preferredBlockSize(), config.advertisedMaxBlock()));
        if (wantName) {
            ctx.write(NbdReplies.infoName(alloc, opt, d.name()));
        }
        ctx.writeAndFlush(NbdReplies.option(alloc, opt, Nbd.REP_ACK, null));
        if (opt == Nbd.OPT_GO) {
            transmit(ctx, d);
        }
    }

    private void exportName(ChannelHandlerContext ctx, String name) {
        Optional<BlockDevice> device = exports.find(name);
        if (device.isEmpty()) {
            // The protocol has no error reply for EXPORT_NAME: closing is the answer.
            protocolError(ctx, "NBD_OPT_EXPORT_NAME for unknown export '" + name + "'");
            return;
        }
        ctx.writeAndFlush(NbdReplies.exportNameReply(ctx.alloc(), device.get().sizeBytes(), transmissionFlags(), noZeroes));
        transmit(ctx, device.get());
    }

    /**
     * CAN_MULTI_CONN is true of every device here: a write completes only once it is durable, and
     * reads are linearizable, so what one connection saw completed, every connection sees.
     */
    static int transmissionFlags() {
        return Nbd.TFLAG_HAS_FLAGS | Nbd.TFLAG_SEND_FLUSH | Nbd.TFLAG_SEND_FUA | Nbd.TFLAG_SEND_TRIM
                | Nbd.TFLAG_SEND_WRITE_ZEROES | Nbd.TFLAG_CAN_MULTI_CONN;
    }

    private void transmit(ChannelHandlerContext ctx, BlockDevice device) {
        ctx.pipeline().get(NbdFrameDecoder.class).enterTransmission();
        ctx.pipeline().replace(this, "transmission", new NbdTransmissionHandler(device, config, metrics));
    }

    private void protocolError(ChannelHandlerContext ctx, String what) {
        LOG.warn("NBD client {}: {}; closing the connection", ctx.channel().remoteAddress(), what);
        metrics.protocolError();
        ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("NBD connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
