package dev.cairn.volume.nbd;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;

/** What the decoder hands to the handlers, one message per protocol unit. */
sealed interface NbdMessage {

    /** The client's 32-bit flags after the server's greeting. */
    record ClientFlags(int flags) implements NbdMessage {
    }

    /**
     * One option during haggling. {@code data} is null when the option was longer than
     * {@link Nbd#MAX_OPTION_LENGTH} (its bytes were skipped); the receiver releases {@code data}.
     */
    record Option(int option, ByteBuf data, long length) implements NbdMessage {
    }

    /**
     * One transmission request. {@code payload} holds a WRITE's data, or is null (other commands,
     * or a WRITE longer than the maximum, whose bytes were skipped: {@code oversized}). The
     * receiver releases {@code payload}.
     */
    record Request(int flags, int type, long handle, long offset, long length, ByteBuf payload, boolean oversized)
            implements NbdMessage {
        void release() {
            if (payload != null) {
                ((ReferenceCounted) payload).release();
            }
        }
    }

    /** The stream cannot be parsed any more (bad magic): the handler closes the connection. */
    record Garbage(String what) implements NbdMessage {
    }
}
