package dev.cairn.ratis.volume;

import dev.cairn.chunkstore.VolumeBatch.PutFromJournal;
import dev.cairn.ratis.proto.JournaledExtent;
import dev.cairn.ratis.proto.JournaledWrite;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.zip.CRC32C;

/**
 * The CRC32C of every block of a split entry, summed by {@code write} from the bytes it has just
 * appended to the journal and handed to apply, so that apply need not read the record back. Kept
 * from append to apply only (a few entries); apply without them (after a restart) reads the record.
 */
final class JournalSums {
    private record Sums(long term, long[] crcs) {
    }

    private final int blockSize;
    private final byte[] zeros;
    private final ConcurrentSkipListMap<Long, Sums> byIndex = new ConcurrentSkipListMap<>();

    JournalSums(int blockSize) {
        this.blockSize = blockSize;
        this.zeros = new byte[blockSize];
    }

    /** Sums the blocks of an entry whose extents are all whole blocks; other entries are skipped. */
    void add(long index, long term, JournaledWrite header, ByteBuffer record) {
        int blocks = 0;
        for (JournaledExtent e : header.getExtentsList()) {
            if (e.getOffset() % blockSize != 0 || e.getLength() % blockSize != 0
                    || (long) e.getPosition() + e.getLength() > record.remaining()) {
                return;
            }
            blocks += e.getLength() / blockSize;
        }
        long[] crcs = new long[blocks];
        int k = 0;
        byte[] chunk = new byte[blockSize];
        CRC32C crc = new CRC32C();
        for (JournaledExtent e : header.getExtentsList()) {
            for (int at = e.getPosition(); at < e.getPosition() + e.getLength(); at += blockSize) {
                ByteBuffer block = record.duplicate().position(record.position() + at).limit(record.position() + at + blockSize);
                block.duplicate().get(chunk);
                if (java.util.Arrays.equals(chunk, zeros)) {
                    crcs[k++] = PutFromJournal.ZERO;
                } else {
                    crc.reset();
                    crc.update(chunk);
                    crcs[k++] = crc.getValue();
                }
            }
        }
        byIndex.put(index, new Sums(term, crcs));
    }

    /** The sums of entry (index, term), or null; forgets them and any of earlier entries. */
    long[] take(long index, long term) {
        Sums s = byIndex.get(index);
        byIndex.headMap(index, true).clear();
        return s != null && s.term() == term ? s.crcs() : null;
    }

    /** Forgets the sums of entries from {@code index} on (the log dropped them). */
    void dropFrom(long index) {
        byIndex.tailMap(index, true).clear();
    }
}
