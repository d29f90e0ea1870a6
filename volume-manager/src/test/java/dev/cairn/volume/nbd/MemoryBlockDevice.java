package dev.cairn.volume.nbd;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A byte-array device for NBD tests. Operations complete at once unless {@link #hold()} is on: then
 * their futures wait in {@link #held} until the test completes them, in any order it likes.
 */
final class MemoryBlockDevice implements BlockDevice, ExportRegistry {
    final byte[] data;
    final String name;
    final List<Runnable> held = new ArrayList<>();
    boolean holding;
    NbdError failWith;
    int flushes;

    MemoryBlockDevice(String name, int size) {
        this.name = name;
        this.data = new byte[size];
    }

    MemoryBlockDevice hold() {
        holding = true;
        return this;
    }

    @Override
    public Optional<BlockDevice> find(String exportName) {
        return exportName.equals(name) ? Optional.of(this) : Optional.empty();
    }

    @Override
    public List<String> names() {
        return List.of(name);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long sizeBytes() {
        return data.length;
    }

    @Override
    public int preferredBlockSize() {
        return 4096;
    }

    private <T> CompletableFuture<T> complete(java.util.function.Supplier<T> op) {
        CompletableFuture<T> f = new CompletableFuture<>();
        Runnable run = () -> {
            if (failWith != null) {
                f.completeExceptionally(new BlockDeviceException(failWith, "injected " + failWith));
            } else {
                f.complete(op.get());
            }
        };
        if (holding) {
            held.add(run);
        } else {
            run.run();
        }
        return f;
    }

    @Override
    public CompletableFuture<ByteBuffer> read(long offset, int length) {
        return complete(() -> ByteBuffer.wrap(java.util.Arrays.copyOfRange(data, (int) offset, (int) offset + length)));
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
        byte[] copy = new byte[src.remaining()];
        src.duplicate().get(copy); // taken before returning, as the contract says
        return complete(() -> {
            System.arraycopy(copy, 0, data, (int) offset, copy.length);
            return null;
        });
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean fua) {
        return complete(() -> {
            java.util.Arrays.fill(data, (int) offset, (int) (offset + length), (byte) 0);
            return null;
        });
    }

    @Override
    public CompletableFuture<Void> trim(long offset, long length) {
        return writeZeroes(offset, length, false);
    }

    @Override
    public CompletableFuture<Void> flush() {
        return complete(() -> {
            flushes++;
            return null;
        });
    }
}
