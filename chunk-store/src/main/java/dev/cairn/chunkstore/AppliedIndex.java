package dev.cairn.chunkstore;

/** The Raft term and log index of the last entry applied to a volume's blocks. */
public record AppliedIndex(long term, long index) implements Comparable<AppliedIndex> {

    /** Nothing applied yet. */
    public static final AppliedIndex NONE = new AppliedIndex(0, -1);

    @Override
    public int compareTo(AppliedIndex o) {
        return Long.compare(index, o.index);
    }
}
