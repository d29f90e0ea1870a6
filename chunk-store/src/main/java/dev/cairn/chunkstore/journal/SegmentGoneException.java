package dev.cairn.chunkstore.journal;

import dev.cairn.chunkstore.ChunkStoreException;

/** A read named a segment that has been deleted since its location was looked up: look it up again. */
public final class SegmentGoneException extends ChunkStoreException {
    public SegmentGoneException(String message) {
        super(message);
    }
}
