package dev.cairn.volume.nbd;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * What the NBD server exports: one attached volume as seen by its primary. Byte offsets and
 * lengths are already checked against {@link #sizeBytes()} by the caller. Every method may be called
 * from many threads with many operations in flight; a write's future completes once the write is
 * durable (replicated and applied), so {@link #flush()} is a barrier that only needs to wait for the
 * writes already in flight. Failures complete the future with a {@link BlockDeviceException}.
 */
public interface BlockDevice {

    /** The export name (the volume name). */
    String name();

    long sizeBytes();

    /** The block size the device prefers (the chunk store's block). */
    int preferredBlockSize();

    /** Reads {@code length} bytes at {@code offset}; the returned buffer has exactly that many remaining. */
    CompletableFuture<ByteBuffer> read(long offset, int length);

    /**
     * Writes {@code data.remaining()} bytes at {@code offset}; {@code fua} asks for durability before
     * completion. The device must take what it needs from {@code data} before returning: the
     * caller reuses the buffer as soon as this method returns.
     */
    CompletableFuture<Void> write(long offset, ByteBuffer data, boolean fua);

    /** Makes {@code length} bytes at {@code offset} read as zeros. */
    CompletableFuture<Void> writeZeroes(long offset, long length, boolean fua);

    /** Discards {@code length} bytes at {@code offset}; they read as zeros afterwards. */
    CompletableFuture<Void> trim(long offset, long length);

    /** Completes once every write completed before this call is durable. */
    CompletableFuture<Void> flush();
}
