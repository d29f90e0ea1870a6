package dev.cairn.ratis.cluster;

import dev.cairn.ratis.proto.ClusterSnapshot;
import dev.cairn.ratis.proto.NodeRecord;
import dev.cairn.ratis.proto.VolumeRecord;
import java.util.Optional;

/** Look-ups over a cluster state value. */
public final class ClusterView {
    private ClusterView() {
    }

    public static Optional<VolumeRecord> volume(ClusterSnapshot state, String name) {
        return state.getVolumesList().stream().filter(v -> v.getName().equals(name)).findFirst();
    }

    public static Optional<VolumeRecord> volume(ClusterSnapshot state, long id) {
        return state.getVolumesList().stream().filter(v -> v.getId() == id).findFirst();
    }

    public static Optional<NodeRecord> node(ClusterSnapshot state, String id) {
        return state.getNodesList().stream().filter(n -> n.getId().equals(id)).findFirst();
    }

    static int volumeIndex(ClusterSnapshot state, String name) {
        for (int i = 0; i < state.getVolumesCount(); i++) {
            if (state.getVolumes(i).getName().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    static int nodeIndex(ClusterSnapshot state, String id) {
        for (int i = 0; i < state.getNodesCount(); i++) {
            if (state.getNodes(i).getId().equals(id)) {
                return i;
            }
        }
        return -1;
    }

    public static boolean initialized(ClusterSnapshot state) {
        return !state.getClusterId().isEmpty();
    }
}
