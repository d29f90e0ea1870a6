package dev.cairn.volume.nbd;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/** Encodes the server's side of the protocol into buffers; the caller writes them. */
final class NbdReplies {
    private NbdReplies() {
    }

    static ByteBuf greeting(ByteBufAllocator alloc) {
        return alloc.buffer(18).writeLong(Nbd.NBDMAGIC).writeLong(Nbd.IHAVEOPT)
                .writeShort(Nbd.FLAG_FIXED_NEWSTYLE | Nbd.FLAG_NO_ZEROES);
    }

    static ByteBuf option(ByteBufAllocator alloc, int option, int type, ByteBuf data) {
        int length = data == null ? 0 : data.readableBytes();
        ByteBuf b = alloc.buffer(20 + length).writeLong(Nbd.OPTION_REPLY_MAGIC).writeInt(option).writeInt(type).writeInt(length);
        if (data != null) {
            b.writeBytes(data);
            data.release();
        }
        return b;
    }

    static ByteBuf optionError(ByteBufAllocator alloc, int option, int type, String message) {
        return option(alloc, option, type, alloc.buffer().writeBytes(message.getBytes(StandardCharsets.UTF_8)));
    }

    static ByteBuf server(ByteBufAllocator alloc, String name) {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        return option(alloc, Nbd.OPT_LIST, Nbd.REP_SERVER, alloc.buffer(4 + bytes.length).writeInt(bytes.length).writeBytes(bytes));
    }

    static ByteBuf infoExport(ByteBufAllocator alloc, int option, long size, int flags) {
        return option(alloc, option, Nbd.REP_INFO, alloc.buffer(12).writeShort(Nbd.INFO_EXPORT).writeLong(size).writeShort(flags));
    }

    static ByteBuf infoName(ByteBufAllocator alloc, int option, String name) {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        return option(alloc, option, Nbd.REP_INFO, alloc.buffer(2 + bytes.length).writeShort(Nbd.INFO_NAME).writeBytes(bytes));
    }

    static ByteBuf infoBlockSize(ByteBufAllocator alloc, int option, int min, int preferred, int max) {
        return option(alloc, option, Nbd.REP_INFO,
                alloc.buffer(14).writeShort(Nbd.INFO_BLOCK_SIZE).writeInt(min).writeInt(preferred).writeInt(max));
    }

    /** The reply to NBD_OPT_EXPORT_NAME: size, flags, and 124 zero bytes unless NO_ZEROES was agreed. */
    static ByteBuf exportNameReply(ByteBufAllocator alloc, long size, int flags, boolean noZeroes) {
        ByteBuf b = alloc.buffer(134).writeLong(size).writeShort(flags);
        if (!noZeroes) {
            b.writeZero(124);
        }
        return b;
    }

    static ByteBuf simpleReplyHeader(ByteBufAllocator alloc, int error, long handle) {
        return alloc.buffer(16).writeInt(Nbd.SIMPLE_REPLY_MAGIC).writeInt(error).writeLong(handle);
    }
}
