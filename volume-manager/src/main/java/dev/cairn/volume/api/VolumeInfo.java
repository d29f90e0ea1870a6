package dev.cairn.volume.api;

import java.util.List;

/**
 * A volume as the admin API shows it ({@code GET /v1/volumes/{name}}).
 *
 * @param state     {@code healthy}, {@code degraded} (fewer live replicas than wanted) or {@code rebuilding}
 * @param primary   node id of the current primary (the volume group's leader), or null if none is known
 * @param nbd       the URI an NBD client should use, e.g. {@code nbd://127.0.0.1:10809/db}
 * @param attachment the host that has it mounted, or null
 * @param filesystem ext4 or xfs when the Docker plugin formats it on first mount, null for a raw volume
 */
public record VolumeInfo(
        String name,
        long id,
        long sizeBytes,
        int blockSize,
        int replicas,
        String state,
        String primary,
        List<ReplicaInfo> replicaSet,
        AttachmentInfo attachment,
        String nbd,
        String createdAt,
        String filesystem) {

    /** One replica: its node, whether that node is up, and how far its copy has got. */
    public record ReplicaInfo(String node, String role, boolean up, long appliedIndex, String progress) {
    }

    /** The host that has the volume attached, with the attachment's epoch. */
    public record AttachmentInfo(String host, long epoch, String since) {
    }
}
