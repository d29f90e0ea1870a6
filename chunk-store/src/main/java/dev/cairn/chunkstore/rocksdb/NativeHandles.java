package dev.cairn.chunkstore.rocksdb;

import java.util.concurrent.atomic.AtomicLong;
import org.rocksdb.AbstractNativeReference;

/**
 * Ownership of RocksDB's native handles: every handle the store creates is opened through here and
 * closed through {@link Scoped#close()}, so tests can check that none leaks (an AtomicLong per
 * open/close is the whole production cost).
 */
final class NativeHandles {
    private final AtomicLong open = new AtomicLong();

    /** A handle owned by the enclosing try-with-resources block. */
    final class Scoped<T extends AbstractNativeReference> implements AutoCloseable {
        private final T handle;
        private boolean closed;

        private Scoped(T handle) {
            this.handle = handle;
        }

        T get() {
            return handle;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                handle.close();
                open.decrementAndGet();
            }
        }
    }

    <T extends AbstractNativeReference> Scoped<T> scope(T handle) {
        open.incrementAndGet();
        return new Scoped<>(handle);
    }

    /** Handles opened and not yet closed. */
    long open() {
        return open.get();
    }
}
