package dev.cairn.ratis.volume;

/** What a volume's replicas agree on from creation: its id, size and block size. */
public record VolumeLayout(long volumeId, long sizeBytes, int blockSize) {

    public VolumeLayout {
        if (blockSize <= 0 || Integer.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException("block size must be a power of two, got " + blockSize);
        }
        if (sizeBytes <= 0 || sizeBytes % blockSize != 0) {
            throw new IllegalArgumentException("volume size " + sizeBytes + " must be a positive multiple of " + blockSize);
        }
    }

    public long blocks() {
        return sizeBytes / blockSize;
    }

    /** True if [offset, offset + length) lies inside the volume. */
    public boolean contains(long offset, long length) {
        return offset >= 0 && length >= 0 && offset <= sizeBytes && length <= sizeBytes - offset;
    }
}
