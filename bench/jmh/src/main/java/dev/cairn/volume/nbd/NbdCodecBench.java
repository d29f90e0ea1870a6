package dev.cairn.volume.nbd;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The NBD codec's per-request work on the transmission path. In this package (a split package:
 * the classes are volume-manager's) to reach the package-private decoder and replies.
 *
 * <p>How the decoder is driven: {@link NbdFrameDecoder#channelRead} is called directly with the
 * decoder's own {@link ChannelHandlerContext} from an {@link EmbeddedChannel} pipeline
 * ({@code decoder -> sink}). That runs all of {@code ByteToMessageDecoder}'s real work (cumulation,
 * the decode loop, the recycled output list, firing each message to the next handler, releasing the
 * consumed input) and the state machine, but none of {@code EmbeddedChannel.writeInbound}'s
 * (pending tasks, exception checks, the inbound message queue). The sink releases the WRITE payload
 * (a retained slice of the input) as the transmission handler would.
 *
 * <p>Input: one request, built once in setup in a pooled direct buffer (as a socket read produces),
 * retained and rewound per call, so the time excludes filling the buffer (the kernel's copy). The
 * forked JVM sets {@code io.netty.allocator.useCacheForAllThreads=true}: JMH's threads are plain
 * threads, and without it they would miss the per-thread cache that Netty's event-loop threads get.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.allocator.useCacheForAllThreads=true")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class NbdCodecBench {
    static final int PAYLOAD = 4096;
    static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;

    /** Stands in for the transmission handler: keeps the last request, releases its payload. */
    private static final class Sink extends ChannelInboundHandlerAdapter {
        NbdMessage.Request last;
        int lastPayloadBytes;
        long count;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof NbdMessage.Request request)) {
                throw new IllegalStateException("decoded " + msg + ", expected a request");
            }
            lastPayloadBytes = request.payload() == null ? -1 : request.payload().readableBytes();
            request.release();
            last = request;
            count++;
        }
    }

    private EmbeddedChannel channel;
    private NbdFrameDecoder decoder;
    private ChannelHandlerContext ctx;
    private Sink sink;
    private ByteBuf writeRequest;
    private ByteBuf readRequest;
    private long handle;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        decoder = new NbdFrameDecoder(NbdServerConfig.DEFAULT_MAX_PAYLOAD);
        decoder.enterTransmission();
        sink = new Sink();
        channel = new EmbeddedChannel(decoder, sink);
        ctx = channel.pipeline().context(decoder);

        byte[] payload = new byte[PAYLOAD];
        new SplittableRandom(1).nextBytes(payload);
        writeRequest = request(Nbd.CMD_WRITE, 1, 1L << 20, PAYLOAD).writeBytes(payload);
        readRequest = request(Nbd.CMD_READ, 2, 2L << 20, PAYLOAD);

        // Check once that each input decodes to the request it holds, is read to its end and is
        // released back to our one reference (the payload slice included).
        check(decodeWrite(), sink, writeRequest, Nbd.CMD_WRITE, 1, PAYLOAD);
        check(decodeRead(), sink, readRequest, Nbd.CMD_READ, 2, -1);
    }

    private static ByteBuf request(int type, long handle, long offset, int length) {
        return ALLOC.directBuffer(28 + (type == Nbd.CMD_WRITE ? length : 0))
                .writeInt(Nbd.REQUEST_MAGIC).writeShort(0).writeShort(type).writeLong(handle).writeLong(offset).writeInt(length);
    }

    private static void check(Object decoded, Sink sink, ByteBuf input, int type, long expectedHandle, int payloadBytes) {
        NbdMessage.Request r = (NbdMessage.Request) decoded;
        if (r.type() != type || r.handle() != expectedHandle || r.length() != PAYLOAD
                || sink.lastPayloadBytes != payloadBytes
                || input.refCnt() != 1 || input.isReadable()) {
            throw new IllegalStateException("unexpected decode: " + r);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        int writeRefs = writeRequest.refCnt();
        int readRefs = readRequest.refCnt();
        boolean leftovers = channel.finishAndReleaseAll();
        writeRequest.release();
        readRequest.release();
        if (writeRefs != 1 || readRefs != 1 || leftovers || sink.count == 0) {
            throw new IllegalStateException("buffer leak: input refCnt " + writeRefs + "/" + readRefs
                    + ", channel leftovers " + leftovers + ", decoded " + sink.count);
        }
    }

    /** NBD_CMD_WRITE header + 4 KiB payload to one request (payload: a retained slice, released by the sink). */
    @Benchmark
    public Object decodeWrite() throws Exception {
        decoder.channelRead(ctx, writeRequest.retain().readerIndex(0));
        return sink.last;
    }

    /** NBD_CMD_READ header (28 bytes) to one request. */
    @Benchmark
    public Object decodeRead() throws Exception {
        decoder.channelRead(ctx, readRequest.retain().readerIndex(0));
        return sink.last;
    }

    /** The 16-byte simple reply header (every request's answer) in a pooled buffer, then released. */
    @Benchmark
    public void encodeSimpleReplyHeader(Blackhole bh) {
        ByteBuf header = NbdReplies.simpleReplyHeader(ALLOC, 0, handle++);
        bh.consume(header);
        header.release();
    }
}
