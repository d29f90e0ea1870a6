package dev.cairn.ratis;

import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
import java.util.UUID;
import org.apache.ratis.protocol.RaftGroupId;

/** Raft group ids: one fixed id for the cluster group, one derived from each volume id. */
final class GroupIds {
    static final RaftGroupId CLUSTER = RaftGroupId.valueOf(UUID.nameUUIDFromBytes("cairn-cluster-group".getBytes(StandardCharsets.UTF_8)));
    private static final long VOLUME_MAGIC = 0x636169726e766f6cL; // "cairnvol"

    private GroupIds() {
    }

    static RaftGroupId volume(long volumeId) {
        return RaftGroupId.valueOf(new UUID(VOLUME_MAGIC, volumeId));
    }

    static OptionalLong volumeId(RaftGroupId groupId) {
        UUID uuid = groupId.getUuid();
        return uuid.getMostSignificantBits() == VOLUME_MAGIC ? OptionalLong.of(uuid.getLeastSignificantBits()) : OptionalLong.empty();
    }
}
