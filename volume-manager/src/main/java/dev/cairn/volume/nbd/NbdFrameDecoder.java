package dev.cairn.volume.nbd;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Cuts the byte stream into {@link NbdMessage}s: client flags, then options, then (after
 * {@link #enterTransmission()}) requests with their write payloads. Over-long option data and write
 * payloads are skipped as they stream in, never buffered, so the stream stays in step and the
 * handler can answer with an error. A bad magic number yields {@link NbdMessage.Garbage} once;
 * everything after it is dropped.
 */
final class NbdFrameDecoder extends ByteToMessageDecoder {
    private enum State { CLIENT_FLAGS, OPTION_HEADER, OPTION_DATA, REQUEST_HEADER, PAYLOAD, DISCARD, CLOSED }

    private final int maxPayload;
    private State state = State.CLIENT_FLAGS;
    private State afterDiscard;
    private long discardRemaining;
    private NbdMessage pending;
    private int option;
    private long optionLength;
    private NbdMessage.Request header;

    NbdFrameDecoder(int maxPayload) {
        this.maxPayload = maxPayload;
    }

    /** Called by the handshake handler once an export is chosen: requests follow. */
    void enterTransmission() {
        state = State.REQUEST_HEADER;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (state) {
            case CLIENT_FLAGS -> {
                if (in.readableBytes() >= 4) {
                    state = State.OPTION_HEADER;
                    out.add(new NbdMessage.ClientFlags(in.readInt()));
                }
            }
            case OPTION_HEADER -> {
                if (in.readableBytes() < 16) {
                    return;
                }
                long magic = in.readLong();
                if (magic != Nbd.IHAVEOPT) {
                    garbage(in, out, "bad option magic 0x" + Long.toHexString(magic));
                    return;
                }
                option = in.readInt();
                optionLength = in.readUnsignedInt();
                if (optionLength > Nbd.MAX_OPTION_LENGTH) {
                    discard(optionLength, new NbdMessage.Option(option, null, optionLength), State.OPTION_HEADER);
                } else {
                    state = State.OPTION_DATA;
                    // An option without data must be emitted now: decode() is not called again
                    // until more bytes arrive, and the client is waiting for our reply.
                    optionData(in, out);
                }
            }
            case OPTION_DATA -> optionData(in, out);
            case REQUEST_HEADER -> {
                if (in.readableBytes() < 28) {
                    return;
                }
                int magic = in.readInt();
                if (magic != Nbd.REQUEST_MAGIC) {
                    garbage(in, out, "bad request magic 0x" + Integer.toHexString(magic));
                    return;
                }
                int flags = in.readUnsignedShort();
                int type = in.readUnsignedShort();
                long handle = in.readLong();
                long offset = in.readLong();
                long length = in.readUnsignedInt();
                NbdMessage.Request request = new NbdMessage.Request(flags, type, handle, offset, length, null, false);
                if (type != Nbd.CMD_WRITE || length == 0) {
                    out.add(request);
                } else if (length > maxPayload) {
                    discard(length, new NbdMessage.Request(flags, type, handle, offset, length, null, true), State.REQUEST_HEADER);
                } else {
                    header = request;
                    state = State.PAYLOAD;
                }
            }
            case PAYLOAD -> {
                if (in.readableBytes() >= header.length()) {
                    NbdMessage.Request h = header;
                    header = null;
                    state = State.REQUEST_HEADER;
                    out.add(new NbdMessage.Request(h.flags(), h.type(), h.handle(), h.offset(), h.length(),
                            in.readRetainedSlice((int) h.length()), false));
                }
            }
            case DISCARD -> {
                int skip = (int) Math.min(in.readableBytes(), discardRemaining);
                in.skipBytes(skip);
                discardRemaining -= skip;
                if (discardRemaining == 0) {
                    state = afterDiscard;
                    NbdMessage m = pending;
                    pending = null;
                    out.add(m);
                }
            }
            case CLOSED -> in.skipBytes(in.readableBytes());
        }
    }

    private void optionData(ByteBuf in, List<Object> out) {
        if (in.readableBytes() >= optionLength) {
            state = State.OPTION_HEADER;
            out.add(new NbdMessage.Option(option, in.readRetainedSlice((int) optionLength), optionLength));
        }
    }

    private void discard(long bytes, NbdMessage then, State next) {
        discardRemaining = bytes;
        pending = then;
        afterDiscard = next;
        state = State.DISCARD;
    }

    private void garbage(ByteBuf in, List<Object> out, String what) {
        state = State.CLOSED;
        in.skipBytes(in.readableBytes());
        out.add(new NbdMessage.Garbage(what));
    }
}
