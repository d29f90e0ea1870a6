package dev.cairn.volume.node;

import dev.cairn.ratis.VolumeIOException;
import dev.cairn.ratis.VolumeReplica;
import dev.cairn.volume.nbd.BlockDevice;
import dev.cairn.volume.nbd.BlockDeviceException;
import dev.cairn.volume.nbd.NbdError;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A volume exported by its primary: NBD operations become entries of the volume's Raft log,
 * stamped with the attachment epoch the export was opened with (so a fenced export's writes are
 * refused). A write completes once committed by a majority and applied here, so FLUSH only waits
 * for the writes still in flight when it arrives; FUA needs nothing more.
 */
final class VolumeDevice implements BlockDevice {
    /** Largest payload of one log entry; longer writes become several entries. */
    static final int MAX_ENTRY = 1 << 20;

    private final String name;
    private final VolumeReplica replica;
    private final long epoch;
    private final AtomicLong writeIds = new AtomicLong();
    private final ConcurrentHashMap<Long, CompletableFuture<Void>> inFlight = new ConcurrentHashMap<>();

    VolumeDevice(String name, VolumeReplica replica, long epoch) {
        this.name = name;
        this.replica = replica;
        this.epoch = epoch;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long sizeBytes() {
        return replica.layout().sizeBytes();
    }

    @Override
    public int preferredBlockSize() {
        return replica.layout().blockSize();
    }

    long epoch() {
        return epoch;
    }

    @Override
    public CompletableFuture<ByteBuffer> read(long offset, int length) {
        return mapErrors(replica.read(offset, length), false);
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer data, boolean fua) {
        int length = data.remaining();
        CompletableFuture<Void> done;
        if (length <= MAX_ENTRY) {
            done = replica.write(epoch, offset, data);
        } else {
            CompletableFuture<?>[] parts = new CompletableFuture<?>[(length + MAX_ENTRY - 1) / MAX_ENTRY];
            for (int i = 0; i < parts.length; i++) {
                int from = i * MAX_ENTRY;
                ByteBuffer slice = data.slice(data.position() + from, Math.min(MAX_ENTRY, length - from));
                parts[i] = replica.write(epoch, offset + from, slice);
            }
            done = CompletableFuture.allOf(parts);
        }
        return track(mapErrors(done, true));
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean fua) {
        return track(mapErrors(replica.zero(epoch, offset, length, false), true));
    }

    @Override
    public CompletableFuture<Void> trim(long offset, long length) {
        return track(mapErrors(replica.zero(epoch, offset, length, true), true));
    }

    @Override
    public CompletableFuture<Void> flush() {
        CompletableFuture<?>[] pending = inFlight.values().toArray(CompletableFuture<?>[]::new);
        // A failed write reports its own error; the flush only orders after it.
        return CompletableFuture.allOf(pending).handle((v, e) -> null);
    }

    private CompletableFuture<Void> track(CompletableFuture<Void> write) {
        long id = writeIds.incrementAndGet();
        inFlight.put(id, write);
        write.whenComplete((v, e) -> inFlight.remove(id));
        return write;
    }

    private <T> CompletableFuture<T> mapErrors(CompletableFuture<T> future, boolean isWrite) {
        return future.handle((value, error) -> {
            if (error == null) {
                return value;
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (cause instanceof VolumeIOException v) {
                NbdError nbd = switch (v.kind()) {
                    case FENCED -> NbdError.EPERM;
                    case OUT_OF_RANGE -> isWrite ? NbdError.ENOSPC : NbdError.EINVAL;
                    case NOT_PRIMARY -> NbdError.ESHUTDOWN;
                    case IO, UNAVAILABLE -> NbdError.EIO;
                };
                throw new BlockDeviceException(nbd, "volume " + name + ": " + v.getMessage(), v);
            }
            throw new BlockDeviceException(NbdError.EIO, "volume " + name + ": " + cause, cause);
        });
    }
}
