package dev.cairn.ratis.cluster;

import dev.cairn.ratis.proto.ClusterError;
import dev.cairn.ratis.proto.ClusterReply;
import dev.cairn.ratis.proto.ClusterSnapshot;
import dev.cairn.ratis.proto.VolumeRecord;

/** What applying one cluster command gives: the next state (unchanged on refusal) and the reply. */
record Outcome(ClusterSnapshot state, ClusterReply reply) {

    static Outcome ok(ClusterSnapshot state) {
        return new Outcome(state, ClusterReply.getDefaultInstance());
    }

    static Outcome ok(ClusterSnapshot state, VolumeRecord volume) {
        return new Outcome(state, ClusterReply.newBuilder().setVolume(volume).build());
    }

    static Outcome refuse(ClusterSnapshot unchanged, ClusterError error, String message, String hint) {
        return new Outcome(unchanged, ClusterReply.newBuilder().setError(error).setMessage(message)
                .setHint(hint == null ? "" : hint).build());
    }
}
