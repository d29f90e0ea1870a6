package dev.cairn.ratis;

/** A volume operation failed; {@link #kind()} says how, so the caller can map it (e.g. to an NBD error). */
public class VolumeIOException extends RuntimeException {

    /** Why a volume operation failed. */
    public enum Kind {
        /** The sender's attachment epoch is stale: another host has the volume now. */
        FENCED,
        /** The range is outside the volume. */
        OUT_OF_RANGE,
        /** This node is not (or no longer) the volume's primary. */
        NOT_PRIMARY,
        /** The replica's store failed (e.g. a checksum mismatch). */
        IO,
        /** No answer: group unavailable, timed out, shutting down. The write may or may not have happened. */
        UNAVAILABLE
    }

    private final Kind kind;

    public VolumeIOException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public VolumeIOException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
