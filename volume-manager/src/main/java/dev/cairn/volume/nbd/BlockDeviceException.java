package dev.cairn.volume.nbd;

/** A block operation failed with an NBD error class (see {@link NbdError}). */
public class BlockDeviceException extends RuntimeException {
    private final NbdError error;

    public BlockDeviceException(NbdError error, String message) {
        super(message);
        this.error = error;
    }

    public BlockDeviceException(NbdError error, String message, Throwable cause) {
        super(message, cause);
        this.error = error;
    }

    public NbdError error() {
        return error;
    }
}
