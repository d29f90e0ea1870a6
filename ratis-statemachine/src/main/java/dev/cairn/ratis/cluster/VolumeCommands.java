package dev.cairn.ratis.cluster;

import dev.cairn.ratis.proto.AttachVolume;
import dev.cairn.ratis.proto.Attachment;
import dev.cairn.ratis.proto.ClusterError;
import dev.cairn.ratis.proto.ClusterSnapshot;
import dev.cairn.ratis.proto.CreateVolume;
import dev.cairn.ratis.proto.DeleteVolume;
import dev.cairn.ratis.proto.DetachVolume;
import dev.cairn.ratis.proto.NodeRecord;
import dev.cairn.ratis.proto.SetReplicaSet;
import dev.cairn.ratis.proto.VolumeRecord;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Volumes and their attachments: create, delete, attach, detach, replica set changes. */
final class VolumeCommands {
    static final int BLOCK_SIZE = 4096;
    static final int MAX_REPLICAS = 5;
    static final long MAX_SIZE = 1L << 50; // 1 PiB
    /** Filesystems the Docker plugin can format a volume with; "" for raw block volumes. */
    static final Set<String> FILESYSTEMS = Set.of("", "ext4", "xfs");

    private final ReplicaPlacer placer;
    private final long nodeDownAfterMs;

    VolumeCommands(ReplicaPlacer placer, long nodeDownAfterMs) {
        this.placer = placer;
        this.nodeDownAfterMs = nodeDownAfterMs;
    }

    Outcome create(ClusterSnapshot state, CreateVolume cmd, long nowMs) {
        String invalid = validate(cmd);
        if (invalid != null) {
            return Outcome.refuse(state, ClusterError.INVALID, invalid, null);
        }
        Optional<VolumeRecord> existing = ClusterView.volume(state, cmd.getName());
        if (existing.isPresent()) {
            return Outcome.refuse(state, ClusterError.CONFLICT, "volume " + cmd.getName() + " already exists",
                    "choose another name, or `cairn volume rm " + cmd.getName() + "` first");
        }
        List<String> replicas;
        try {
            replicas = placer.place(state, cmd, nowMs);
        } catch (ReplicaPlacer.UnplaceableException e) {
            return Outcome.refuse(state, ClusterError.UNPLACEABLE, e.getMessage(), e.hint());
        }
        long id = Math.max(1, state.getNextVolumeId());
        VolumeRecord volume = VolumeRecord.newBuilder()
                .setId(id).setName(cmd.getName()).setSizeBytes(cmd.getSizeBytes()).setBlockSize(BLOCK_SIZE)
                .setReplicasWanted(cmd.getReplicas()).addAllReplicas(replicas).setCreatedMs(nowMs)
                .setReplicaGeneration(1).setFilesystem(cmd.getFilesystem())
                .build();
        return Outcome.ok(state.toBuilder().addVolumes(volume).setNextVolumeId(id + 1).build(), volume);
    }

    private static String validate(CreateVolume cmd) {
        if (cmd.getName().isEmpty()) {
            return "volume name is empty";
        }
        if (cmd.getSizeBytes() <= 0 || cmd.getSizeBytes() % BLOCK_SIZE != 0 || cmd.getSizeBytes() > MAX_SIZE) {
            return "volume size " + cmd.getSizeBytes() + " must be a positive multiple of " + BLOCK_SIZE + " bytes up to 1 PiB";
        }
        if (cmd.getReplicas() < 1 || cmd.getReplicas() > MAX_REPLICAS) {
            return "replicas must be between 1 and " + MAX_REPLICAS + ", got " + cmd.getReplicas();
        }
        if (!FILESYSTEMS.contains(cmd.getFilesystem())) {
            return "filesystem " + cmd.getFilesystem() + " is not one of ext4, xfs";
        }
        return null;
    }

    Outcome delete(ClusterSnapshot state, DeleteVolume cmd) {
        int i = ClusterView.volumeIndex(state, cmd.getName());
        if (i < 0) {
            return notFound(state, cmd.getName());
        }
        VolumeRecord volume = state.getVolumes(i);
        if (volume.hasAttachment()) {
            return Outcome.refuse(state, ClusterError.CONFLICT,
                    "volume " + cmd.getName() + " is attached to " + volume.getAttachment().getHost(),
                    "stop the containers using it, or `cairn volume detach " + cmd.getName() + " --host "
                            + volume.getAttachment().getHost() + "`");
        }
        return Outcome.ok(state.toBuilder().removeVolumes(i).removeProgress(volume.getId()).build(), volume);
    }

    Outcome attach(ClusterSnapshot state, AttachVolume cmd, long nowMs) {
        int i = ClusterView.volumeIndex(state, cmd.getName());
        if (i < 0) {
            return notFound(state, cmd.getName());
        }
        Optional<NodeRecord> host = ClusterView.node(state, cmd.getHost());
        if (host.isEmpty()) {
            return Outcome.refuse(state, ClusterError.NOT_FOUND, "no node " + cmd.getHost() + " in the cluster",
                    "`cairn cluster status` lists the nodes");
        }
        VolumeRecord volume = state.getVolumes(i);
        if (volume.hasAttachment()) {
            Attachment current = volume.getAttachment();
            if (current.getHost().equals(cmd.getHost())) {
                return Outcome.ok(state, volume);
            }
            boolean holderUp = ClusterView.node(state, current.getHost())
                    .map(n -> nowMs - n.getLastHeartbeatMs() < nodeDownAfterMs).orElse(false);
            if (holderUp && !cmd.getForce()) {
                return Outcome.refuse(state, ClusterError.CONFLICT,
                        "volume " + cmd.getName() + " is attached to live node " + current.getHost() + " (epoch " + current.getEpoch() + ")",
                        "detach it there first, or attach with --force to fence " + current.getHost());
            }
        }
        long epoch = volume.getEpoch() + 1;
        VolumeRecord attached = volume.toBuilder().setEpoch(epoch)
                .setAttachment(Attachment.newBuilder().setHost(cmd.getHost()).setEpoch(epoch).setSinceMs(nowMs))
                .build();
        return Outcome.ok(state.toBuilder().setVolumes(i, attached).build(), attached);
    }

    Outcome detach(ClusterSnapshot state, DetachVolume cmd) {
        int i = ClusterView.volumeIndex(state, cmd.getName());
        if (i < 0) {
            return notFound(state, cmd.getName());
        }
        VolumeRecord volume = state.getVolumes(i);
        if (!volume.hasAttachment()) {
            return Outcome.ok(state, volume);
        }
        if (!volume.getAttachment().getHost().equals(cmd.getHost())) {
            return Outcome.refuse(state, ClusterError.CONFLICT,
                    "volume " + cmd.getName() + " is attached to " + volume.getAttachment().getHost() + ", not " + cmd.getHost(),
                    null);
        }
        VolumeRecord detached = volume.toBuilder().clearAttachment().build();
        return Outcome.ok(state.toBuilder().setVolumes(i, detached).build(), detached);
    }

    Outcome setReplicaSet(ClusterSnapshot state, SetReplicaSet cmd) {
        int i = ClusterView.volumeIndex(state, cmd.getName());
        if (i < 0) {
            return notFound(state, cmd.getName());
        }
        VolumeRecord volume = state.getVolumes(i);
        if (cmd.getExpectedGeneration() != volume.getReplicaGeneration()) {
            return Outcome.refuse(state, ClusterError.CONFLICT, "replica set of " + cmd.getName() + " changed meanwhile (generation "
                    + volume.getReplicaGeneration() + ", expected " + cmd.getExpectedGeneration() + ")", "retry");
        }
        if (cmd.getReplicasCount() == 0 || new HashSet<>(cmd.getReplicasList()).size() != cmd.getReplicasCount()) {
            return Outcome.refuse(state, ClusterError.INVALID, "a replica set needs distinct nodes", null);
        }
        for (String node : cmd.getReplicasList()) {
            if (ClusterView.node(state, node).isEmpty()) {
                return Outcome.refuse(state, ClusterError.NOT_FOUND, "no node " + node, null);
            }
        }
        VolumeRecord changed = volume.toBuilder().clearReplicas().addAllReplicas(cmd.getReplicasList())
                .setReplicaGeneration(volume.getReplicaGeneration() + 1).build();
        return Outcome.ok(state.toBuilder().setVolumes(i, changed).build(), changed);
    }

    private static Outcome notFound(ClusterSnapshot state, String name) {
        return Outcome.refuse(state, ClusterError.NOT_FOUND, "no volume named " + name, "`cairn volume ls` lists the volumes");
    }
}
