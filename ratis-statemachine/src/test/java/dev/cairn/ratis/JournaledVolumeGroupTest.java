package dev.cairn.ratis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * Every {@link VolumeGroupTest} again with every write entry split (docs/adr/0003-header-in-log.md):
 * the header in the log, the data in the journal, applied as pointers (or, for partial blocks, from
 * the record's bytes), replayed after restarts and crashes.
 */
class JournaledVolumeGroupTest extends VolumeGroupTest {
    @Override
    int journalFrom() {
        return 1;
    }

    @Test
    void writeEntriesLeaveTheirDataInTheJournalAndOtherCommandsDoNot() throws Exception {
        start(1000);
        VolumeReplica volume = primary();
        volume.setEpoch(2, "host-a").join();
        assertTrue(store.journalSeqs(LAYOUT.volumeId()).isEmpty(), "an epoch change stays in the log");
        volume.write(2, 0, ByteBuffer.wrap(pattern(3 * BS, 1))).join();
        volume.write(2, 5L * BS + 7, ByteBuffer.wrap(pattern(2 * BS, 2))).join();
        assertFalse(store.journalSeqs(LAYOUT.volumeId()).isEmpty(), "the writes went through the journal");
        assertArrayEquals(pattern(3 * BS, 1), bytes(volume.read(0, 3 * BS).join()));
        assertArrayEquals(pattern(2 * BS, 2), bytes(volume.read(5L * BS + 7, 2 * BS).join()));
    }
}
