package dev.cairn.volume.node;

import dev.cairn.ratis.RaftHost;
import dev.cairn.ratis.VolumeReplica;
import dev.cairn.ratis.cluster.ClusterView;
import dev.cairn.ratis.proto.ClusterSnapshot;
import dev.cairn.ratis.proto.VolumeRecord;
import dev.cairn.volume.nbd.BlockDevice;
import dev.cairn.volume.nbd.ExportRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The volumes this node can export now: those whose local replica is the primary. A volume that
 * is attached to another replica host is not exported here, so two hosts never write it at once.
 */
final class LocalExports implements ExportRegistry {
    private final RaftHost raft;

    LocalExports(RaftHost raft) {
        this.raft = raft;
    }

    @Override
    public Optional<BlockDevice> find(String exportName) {
        ClusterSnapshot state = raft.clusterStateMachine().state();
        Optional<VolumeRecord> volume = ClusterView.volume(state, exportName);
        if (volume.isEmpty() || !exportableHere(volume.get())) {
            return Optional.empty();
        }
        Optional<VolumeReplica> replica = raft.replica(volume.get().getId())
                .filter(VolumeReplica::isPrimary)
                .filter(r -> epochRecorded(volume.get(), r));
        return replica.map(r -> new VolumeDevice(exportName, r, exportEpoch(volume.get(), r)));
    }

    @Override
    public List<String> names() {
        ClusterSnapshot state = raft.clusterStateMachine().state();
        List<String> names = new ArrayList<>();
        for (VolumeRecord v : state.getVolumesList()) {
            if (exportableHere(v) && raft.replica(v.getId()).filter(VolumeReplica::isPrimary)
                    .filter(r -> epochRecorded(v, r)).isPresent()) {
                names.add(v.getName());
            }
        }
        return names;
    }

    /**
     * Exported here unless it is attached to another host that holds a replica (that host becomes
     * the primary). A host without a replica is served by the primary over the network.
     */
    private boolean exportableHere(VolumeRecord volume) {
        return attachedReplicaHost(volume).map(raft.nodeId()::equals).orElse(true);
    }

    /** The host a volume is attached to, if that host holds a replica: the only one exporting it. */
    static Optional<String> attachedReplicaHost(VolumeRecord volume) {
        if (!volume.hasAttachment() || !volume.getReplicasList().contains(volume.getAttachment().getHost())) {
            return Optional.empty();
        }
        return Optional.of(volume.getAttachment().getHost());
    }

    /**
     * An attached volume is served only once its attachment epoch is in the volume's log: every
     * write of the previous holder is then ordered before anything the new holder sees.
     */
    private static boolean epochRecorded(VolumeRecord volume, VolumeReplica replica) {
        return !volume.hasAttachment() || replica.meta().epoch() >= volume.getAttachment().getEpoch();
    }

    /** The epoch writes through this export carry: the attachment's, or the volume's current one. */
    private static long exportEpoch(VolumeRecord volume, VolumeReplica replica) {
        return volume.hasAttachment() ? volume.getAttachment().getEpoch() : replica.meta().epoch();
    }
}
