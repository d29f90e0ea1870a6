package dev.cairn.volume.nbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The NBD pipeline on an EmbeddedChannel, no socket. Section names refer to NetworkBlockDevice/nbd
 * doc/proto.md.
 */
class NbdChannelTest {
    static final int SIZE = 1 << 20;

    MemoryBlockDevice device = new MemoryBlockDevice("vol", SIZE);
    EmbeddedChannel ch;
    NbdMetrics metrics = new NbdMetrics(new MetricRegistry());

    @BeforeEach
    void connect() {
        NbdServerConfig config = new NbdServerConfig("127.0.0.1:0", null, 64 * 1024, 64 * 1024, 4, 1 << 20);
        ch = new EmbeddedChannel(new NbdFrameDecoder(config.maxPayload()), new NbdHandshakeHandler(device, config, metrics));
        ByteBuf greeting = out();
        assertEquals(Nbd.NBDMAGIC, greeting.readLong());
        assertEquals(Nbd.IHAVEOPT, greeting.readLong());
        assertEquals(Nbd.FLAG_FIXED_NEWSTYLE | Nbd.FLAG_NO_ZEROES, greeting.readUnsignedShort());
        greeting.release();
    }

    @AfterEach
    void noLeaks() {
        assertFalse(ch.finishAndReleaseAll(), "every buffer written or read by the pipeline was consumed");
    }

    ByteBuf out() {
        ByteBuf b = ch.readOutbound();
        return b;
    }

    /** All bytes written so far, as one buffer. */
    ByteBuf drain() {
        ByteBuf all = Unpooled.buffer();
        for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
            all.writeBytes(b);
            b.release();
        }
        return all;
    }

    void send(ByteBuf b) {
        ch.writeInbound(b);
    }

    static ByteBuf option(int option, byte[] data) {
        return Unpooled.buffer().writeLong(Nbd.IHAVEOPT).writeInt(option).writeInt(data.length).writeBytes(data);
    }

    static byte[] goData(String name, int... infos) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        ByteBuf b = Unpooled.buffer().writeInt(n.length).writeBytes(n).writeShort(infos.length);
        for (int i : infos) {
            b.writeShort(i);
        }
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out).release();
        return out;
    }

    record OptionReply(int option, int type, byte[] data) {
    }

    static List<OptionReply> optionReplies(ByteBuf b) {
        List<OptionReply> replies = new ArrayList<>();
        while (b.isReadable()) {
            assertEquals(Nbd.OPTION_REPLY_MAGIC, b.readLong());
            int option = b.readInt();
            int type = b.readInt();
            byte[] data = new byte[b.readInt()];
            b.readBytes(data);
            replies.add(new OptionReply(option, type, data));
        }
        b.release();
        return replies;
    }

    void handshake() {
        send(Unpooled.buffer().writeInt(Nbd.FLAG_FIXED_NEWSTYLE | Nbd.FLAG_NO_ZEROES));
        send(option(Nbd.OPT_GO, goData("vol")));
        List<OptionReply> r = optionReplies(drain());
        assertEquals(Nbd.REP_ACK, r.get(r.size() - 1).type());
    }

    static ByteBuf request(int flags, int type, long handle, long offset, int length, byte[] payload) {
        ByteBuf b = Unpooled.buffer().writeInt(Nbd.REQUEST_MAGIC).writeShort(flags).writeShort(type).writeLong(handle)
                .writeLong(offset).writeInt(length);
        if (payload != null) {
            b.writeBytes(payload);
        }
        return b;
    }

    record Reply(int error, long handle, byte[] data) {
    }

    /** Reads simple replies; a reply to a handle in {@code readLengths} carries that many bytes. */
    static List<Reply> replies(ByteBuf b, java.util.Map<Long, Integer> readLengths) {
        List<Reply> out = new ArrayList<>();
        while (b.isReadable()) {
            assertEquals(Nbd.SIMPLE_REPLY_MAGIC, b.readInt());
            int error = b.readInt();
            long handle = b.readLong();
            byte[] data = new byte[error == 0 ? readLengths.getOrDefault(handle, 0) : 0];
            b.readBytes(data);
            out.add(new Reply(error, handle, data));
        }
        b.release();
        return out;
    }

    @Test
    void goRepliesWithExportAndBlockSizeThenAck() {
        send(Unpooled.buffer().writeInt(Nbd.FLAG_FIXED_NEWSTYLE));
        send(option(Nbd.OPT_GO, goData("vol", Nbd.INFO_NAME)));
        List<OptionReply> r = optionReplies(drain());
        ByteBuf export = Unpooled.wrappedBuffer(r.get(0).data());
        assertEquals(Nbd.INFO_EXPORT, export.readUnsignedShort());
        assertEquals(SIZE, export.readLong());
        int flags = export.readUnsignedShort();
        assertTrue((flags & Nbd.TFLAG_CAN_MULTI_CONN) != 0 && (flags & Nbd.TFLAG_SEND_FLUSH) != 0);
        ByteBuf sizes = Unpooled.wrappedBuffer(r.get(1).data());
        assertEquals(Nbd.INFO_BLOCK_SIZE, sizes.readUnsignedShort());
        assertEquals(1, sizes.readInt());
        assertEquals(4096, sizes.readInt());
        assertEquals(Nbd.INFO_NAME, Unpooled.wrappedBuffer(r.get(2).data()).readUnsignedShort(), "INFO_NAME was requested");
        assertEquals(Nbd.REP_ACK, r.get(3).type());
        assertTrue(ch.pipeline().get("transmission") != null, "GO enters transmission");
    }

    @Test
    void unknownOptionsAreUnsupportedAndHagglingGoesOn() {
        send(Unpooled.buffer().writeInt(Nbd.FLAG_FIXED_NEWSTYLE));
        send(option(8, new byte[0])); // NBD_OPT_STRUCTURED_REPLY: we only speak simple replies
        send(option(999, new byte[] {1, 2, 3}));
        send(option(Nbd.OPT_LIST, new byte[0]));
        List<OptionReply> r = optionReplies(drain());
        assertEquals(Nbd.REP_ERR_UNSUP, r.get(0).type());
        assertEquals(Nbd.REP_ERR_UNSUP, r.get(1).type());
        assertEquals(Nbd.REP_SERVER, r.get(2).type());
        assertEquals("vol", new String(r.get(2).data(), 4, r.get(2).data().length - 4, StandardCharsets.UTF_8));
        assertEquals(Nbd.REP_ACK, r.get(3).type());
        assertTrue(ch.isActive());
    }

    @Test
    void infoForAnUnknownExportIsErrUnknownAndMalformedDataIsErrInvalid() {
        send(Unpooled.buffer().writeInt(Nbd.FLAG_FIXED_NEWSTYLE));
        send(option(Nbd.OPT_INFO, goData("nope")));
        send(option(Nbd.OPT_GO, new byte[] {0, 0, 0, 50, 'a'}));
        send(option(Nbd.OPT_LIST, new byte[] {1}));
        List<OptionReply> r = optionReplies(drain());
        assertEquals(Nbd.REP_ERR_UNKNOWN, r.get(0).type());
        assertEquals(Nbd.REP_ERR_INVALID, r.get(1).type());
        assertEquals(Nbd.REP_ERR_INVALID, r.get(2).type());
        assertTrue(ch.isActive());
    }

    @Test
    void anOverlongOptionIsSkippedAndAnsweredTooBig() {
        send(Unpooled.buffer().writeInt(Nbd.FLAG_FIXED_NEWSTYLE));
        byte[] big = new byte[Nbd.MAX_OPTION_LENGTH + 10];
        send(option(Nbd.OPT_GO, big));
        send(option(Nbd.OPT_LIST, new byte[0]));
        List<OptionReply> r = optionReplies(drain());
        assertEquals(Nbd.REP_ERR_TOO_BIG, r.get(0).type());
        assertEquals(Nbd.REP_SERVER, r.get(1).type(), "the stream stayed in step");
    }

    @Test
    void badOptionMagicAndOldStyleClientsAreClosed() {
        send(Unpooled.buffer().writeInt(0)); // no FIXED_NEWSTYLE
        assertFalse(ch.isActive());
        connect();
        send(Unpooled.buffer().writeInt(Nbd.FLAG_FIXED_NEWSTYLE));
        send(Unpooled.buffer().writeLong(0x1234).writeInt(7).writeInt(0));
        assertFalse(ch.isActive());
        assertEquals(2, metrics.registry().meter("nbd.protocol.errors").getCount());
    }

    @Test
    void exportNameHonoursNoZeroes() {
        send(Unpooled.buffer().writeInt(Nbd.FLAG_FIXED_NEWSTYLE));
        send(option(Nbd.OPT_EXPORT_NAME, "vol".getBytes(StandardCharsets.UTF_8)));
        ByteBuf reply = drain();
        assertEquals(8 + 2 + 124, reply.readableBytes(), "124 zero bytes without NO_ZEROES");
        assertEquals(SIZE, reply.readLong());
        reply.release();
    }

    @Test
    void abortIsAcknowledgedThenClosed() {
        send(Unpooled.buffer().writeInt(Nbd.FLAG_FIXED_NEWSTYLE));
        send(option(Nbd.OPT_ABORT, new byte[0]));
        assertEquals(Nbd.REP_ACK, optionReplies(drain()).get(0).type());
        assertFalse(ch.isActive());
    }

    @Test
    void writeReadTrimZeroFlushRoundTrip() {
        handshake();
        byte[] data = new byte[8192];
        Arrays.fill(data, (byte) 0x5a);
        send(request(Nbd.CMD_FLAG_FUA, Nbd.CMD_WRITE, 1, 4096, data.length, data));
        send(request(0, Nbd.CMD_READ, 2, 4096, data.length, null));
        send(request(0, Nbd.CMD_TRIM, 3, 4096, 100, null));
        send(request(0, Nbd.CMD_WRITE_ZEROES, 4, 8000, 100, null));
        send(request(0, Nbd.CMD_FLUSH, 5, 0, 0, null));
        send(request(0, Nbd.CMD_READ, 6, 0, 0, null));
        List<Reply> r = replies(drain(), java.util.Map.of(2L, data.length));
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), r.stream().map(Reply::handle).toList());
        r.forEach(x -> assertEquals(0, x.error()));
        assertArrayEquals(data, r.get(1).data());
        assertEquals(0, device.data[4096 + 50]);
        assertEquals(0, device.data[8050]);
        assertEquals(0x5a, device.data[4096 + 200]);
        assertEquals(1, device.flushes);
    }

    /** "Transmission": the server may reply out of order; each reply carries its handle. */
    @Test
    void repliesFollowCompletionOrderNotRequestOrder() {
        handshake();
        device.hold();
        send(request(0, Nbd.CMD_READ, 10, 0, 512, null));
        send(request(0, Nbd.CMD_WRITE, 11, 0, 4, new byte[] {1, 2, 3, 4}));
        assertNull(ch.readOutbound(), "nothing completes while held");
        device.held.get(1).run();
        device.held.get(0).run();
        ch.runPendingTasks();
        List<Reply> r = replies(drain(), java.util.Map.of(10L, 512));
        assertEquals(List.of(11L, 10L), r.stream().map(Reply::handle).toList());
    }

    @Test
    void readingPausesWhileTooManyRequestsAreInFlight() {
        handshake();
        device.hold();
        for (int i = 0; i < 4; i++) {
            send(request(0, Nbd.CMD_FLUSH, i, 0, 0, null));
        }
        assertFalse(ch.config().isAutoRead(), "4 in flight: the configured limit");
        device.held.forEach(Runnable::run);
        ch.runPendingTasks();
        assertTrue(ch.config().isAutoRead());
        assertEquals(4, replies(drain(), java.util.Map.of()).size());
    }

    /** "Error values": ENOSPC for a write past the end, EINVAL for a read, trim or zero past it. */
    @Test
    void requestsPastTheEndAreRefusedAndTheStreamStaysInStep() {
        handshake();
        send(request(0, Nbd.CMD_WRITE, 1, SIZE - 2, 4, new byte[4]));
        send(request(0, Nbd.CMD_READ, 2, SIZE, 1, null));
        send(request(0, Nbd.CMD_TRIM, 3, SIZE - 1, 2, null));
        send(request(0, Nbd.CMD_WRITE_ZEROES, 4, Long.MAX_VALUE, 2, null));
        send(request(0, 42, 5, 0, 0, null));
        send(request(0, Nbd.CMD_READ, 6, 0, 4, null));
        List<Reply> r = replies(drain(), java.util.Map.of(6L, 4));
        assertEquals(List.of(NbdError.ENOSPC.code(), NbdError.EINVAL.code(), NbdError.EINVAL.code(), NbdError.EINVAL.code(),
                NbdError.EINVAL.code(), 0), r.stream().map(Reply::error).toList());
    }

    @Test
    void anOversizedWriteIsSkippedNotBufferedAndAnsweredEinval() {
        handshake();
        byte[] tooBig = new byte[64 * 1024 + 1];
        Arrays.fill(tooBig, (byte) 7);
        ByteBuf req = request(0, Nbd.CMD_WRITE, 1, 0, tooBig.length, tooBig);
        // Deliver it in small pieces, as a socket would.
        while (req.isReadable()) {
            send(req.readRetainedSlice(Math.min(1000, req.readableBytes())));
        }
        req.release();
        send(request(0, Nbd.CMD_READ, 2, 0, 4, null));
        send(request(0, Nbd.CMD_READ, 3, 0, 64 * 1024 + 1, null));
        List<Reply> r = replies(drain(), java.util.Map.of(2L, 4));
        assertEquals(NbdError.EINVAL.code(), r.get(0).error());
        assertEquals(0, r.get(1).error());
        assertArrayEquals(new byte[4], r.get(1).data(), "nothing of the oversized write was applied");
        assertEquals(NbdError.EINVAL.code(), r.get(2).error(), "a read over the maximum");
    }

    @Test
    void deviceErrorsBecomeTheirNbdErrors() {
        handshake();
        device.failWith = NbdError.EPERM;
        send(request(0, Nbd.CMD_WRITE, 1, 0, 4, new byte[4]));
        device.failWith = NbdError.EIO;
        send(request(0, Nbd.CMD_READ, 2, 0, 4, null));
        List<Reply> r = replies(drain(), java.util.Map.of());
        assertEquals(NbdError.EPERM.code(), r.get(0).error());
        assertEquals(NbdError.EIO.code(), r.get(1).error());
        assertTrue(ch.isActive());
    }

    @Test
    void badRequestMagicClosesTheConnection() {
        handshake();
        send(Unpooled.buffer().writeInt(0xdeadbeef).writeZero(24));
        assertFalse(ch.isActive());
    }

    @Test
    void discWaitsForInFlightRepliesThenCloses() {
        handshake();
        device.hold();
        send(request(0, Nbd.CMD_WRITE, 1, 0, 4, new byte[] {9, 9, 9, 9}));
        send(request(0, Nbd.CMD_DISC, 2, 0, 0, null));
        assertTrue(ch.isActive(), "still open: a write is in flight");
        device.held.get(0).run();
        ch.runPendingTasks();
        assertEquals(1, replies(drain(), java.util.Map.of()).size());
        assertFalse(ch.isActive());
        assertEquals(9, device.data[0]);
    }

    @Test
    void aClientVanishingMidWriteAppliesNothingAndLeaksNothing() {
        handshake();
        ByteBuf req = request(0, Nbd.CMD_WRITE, 1, 0, 8192, new byte[8192]);
        Arrays.fill(device.data, 0, 8192, (byte) 3);
        send(req.readRetainedSlice(28 + 4000));
        req.release();
        ch.close();
        assertEquals(3, device.data[100], "half a write is no write");
        assertTrue(device.held.isEmpty());
    }

    @Test
    void everyMetricHasHelpText() {
        assertEquals(NbdMetrics.HELP.keySet(), metrics.registry().getNames());
    }
}
