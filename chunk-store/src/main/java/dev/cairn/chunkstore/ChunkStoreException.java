package dev.cairn.chunkstore;

/** A chunk store operation failed; the store itself is unchanged unless the message says otherwise. */
public class ChunkStoreException extends RuntimeException {
    public ChunkStoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public ChunkStoreException(String message) {
        super(message);
    }
}
