package dev.cairn.ratis.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.ratis.proto.AttachVolume;
import dev.cairn.ratis.proto.ClusterCommand;
import dev.cairn.ratis.proto.ClusterError;
import dev.cairn.ratis.proto.ClusterSnapshot;
import dev.cairn.ratis.proto.CreateVolume;
import dev.cairn.ratis.proto.DeleteVolume;
import dev.cairn.ratis.proto.DetachVolume;
import dev.cairn.ratis.proto.Heartbeat;
import dev.cairn.ratis.proto.InitCluster;
import dev.cairn.ratis.proto.NodeRecord;
import dev.cairn.ratis.proto.RegisterNode;
import dev.cairn.ratis.proto.SetReplicaSet;
import dev.cairn.ratis.proto.VolumeRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The cluster state machine's apply, as a pure function: every refusal leaves the state unchanged. */
class ClusterCommandsTest {
    static final long DOWN_AFTER = 10_000;
    static final String HASH = "a".repeat(64);

    ClusterStateMachine sm = new ClusterStateMachine(DOWN_AFTER);
    ClusterSnapshot state;
    long now = 1_000_000;

    Outcome apply(ClusterCommand.Builder command) {
        Outcome o = sm.apply(state, command.setNowMs(now).build());
        state = o.state();
        return o;
    }

    @BeforeEach
    void initWithThreeNodes() {
        state = ClusterSnapshot.getDefaultInstance();
        assertEquals(ClusterError.NONE, apply(ClusterCommand.newBuilder().setInit(InitCluster.newBuilder().setClusterId("c1").setTokenSha256(HASH))).reply().getError());
        for (String id : new String[] {"n1", "n2", "n3"}) {
            apply(ClusterCommand.newBuilder().setRegisterNode(RegisterNode.newBuilder().setNode(
                    NodeRecord.newBuilder().setId(id).setRaftAddress(id + ":9500").setZone("z-" + id).setCapacityBytes(1L << 40))));
        }
    }

    ClusterCommand.Builder create(String name, long size, int replicas, String requester) {
        return ClusterCommand.newBuilder().setCreateVolume(CreateVolume.newBuilder().setName(name).setSizeBytes(size)
                .setReplicas(replicas).setRequester(requester));
    }

    @Test
    void commandsBeforeInitAreRefused() {
        state = ClusterSnapshot.getDefaultInstance();
        Outcome o = apply(create("v", 4096, 1, "n1"));
        assertEquals(ClusterError.NOT_INITIALIZED, o.reply().getError());
        assertSame(ClusterSnapshot.getDefaultInstance(), o.state());
    }

    @Test
    void initTwiceWithAnotherIdIsAConflict() {
        ClusterSnapshot before = state;
        assertEquals(ClusterError.CONFLICT, apply(ClusterCommand.newBuilder().setInit(InitCluster.newBuilder().setClusterId("c2").setTokenSha256(HASH))).reply().getError());
        assertSame(before, state);
    }

    @Test
    void createPutsTheRequesterFirstAndAssignsIds() {
        VolumeRecord v = apply(create("db", 1L << 30, 3, "n2")).reply().getVolume();
        assertEquals("n2", v.getReplicas(0));
        assertEquals(3, v.getReplicasCount());
        assertEquals(3, v.getReplicasList().stream().distinct().count());
        VolumeRecord w = apply(create("logs", 1L << 30, 1, "n1")).reply().getVolume();
        assertTrue(w.getId() > v.getId());
    }

    @Test
    void badCreatesChangeNothing() {
        apply(create("db", 1L << 30, 1, "n1"));
        ClusterSnapshot before = state;
        assertEquals(ClusterError.CONFLICT, apply(create("db", 1L << 30, 1, "n1")).reply().getError(), "duplicate name");
        assertEquals(ClusterError.INVALID, apply(create("x", 1000, 1, "n1")).reply().getError(), "size not a multiple of 4096");
        assertEquals(ClusterError.INVALID, apply(create("x", 0, 1, "n1")).reply().getError(), "size 0");
        assertEquals(ClusterError.INVALID, apply(create("x", 4096, 6, "n1")).reply().getError(), "replicas > 5");
        Outcome tooMany = apply(create("x", 4096, 4, "n1"));
        assertEquals(ClusterError.UNPLACEABLE, tooMany.reply().getError(), "replicas > nodes");
        assertTrue(tooMany.reply().getMessage().contains("4"), tooMany.reply().getMessage());
        assertSame(before, state);
    }

    @Test
    void downNodesGetNoNewReplicas() {
        now += DOWN_AFTER + 1;
        apply(ClusterCommand.newBuilder().setHeartbeat(Heartbeat.newBuilder().setNodeId("n1")));
        apply(ClusterCommand.newBuilder().setHeartbeat(Heartbeat.newBuilder().setNodeId("n2")));
        assertEquals(ClusterError.UNPLACEABLE, apply(create("v", 4096, 3, "n1")).reply().getError());
        VolumeRecord v = apply(create("v", 4096, 2, "n3")).reply().getVolume();
        assertFalse(v.getReplicasList().contains("n3"), "n3 is down: " + v.getReplicasList());
    }

    @Test
    void attachBumpsTheEpochAndRefusesASecondLiveHostWithoutForce() {
        apply(create("db", 1L << 30, 3, "n1"));
        VolumeRecord a = apply(ClusterCommand.newBuilder().setAttach(AttachVolume.newBuilder().setName("db").setHost("n1"))).reply().getVolume();
        assertEquals(1, a.getAttachment().getEpoch());
        VolumeRecord again = apply(ClusterCommand.newBuilder().setAttach(AttachVolume.newBuilder().setName("db").setHost("n1"))).reply().getVolume();
        assertEquals(1, again.getAttachment().getEpoch(), "attaching to the same host is idempotent");

        ClusterSnapshot before = state;
        Outcome refused = apply(ClusterCommand.newBuilder().setAttach(AttachVolume.newBuilder().setName("db").setHost("n2")));
        assertEquals(ClusterError.CONFLICT, refused.reply().getError());
        assertTrue(refused.reply().getMessage().contains("n1"), "names the holder: " + refused.reply().getMessage());
        assertSame(before, state);

        VolumeRecord forced = apply(ClusterCommand.newBuilder().setAttach(AttachVolume.newBuilder().setName("db").setHost("n2").setForce(true))).reply().getVolume();
        assertEquals("n2", forced.getAttachment().getHost());
        assertEquals(2, forced.getAttachment().getEpoch());
    }

    @Test
    void attachToADeadHoldersVolumeIsGrantedWithoutForce() {
        apply(create("db", 1L << 30, 3, "n1"));
        apply(ClusterCommand.newBuilder().setAttach(AttachVolume.newBuilder().setName("db").setHost("n1")));
        now += DOWN_AFTER + 1;
        apply(ClusterCommand.newBuilder().setHeartbeat(Heartbeat.newBuilder().setNodeId("n2")));
        VolumeRecord moved = apply(ClusterCommand.newBuilder().setAttach(AttachVolume.newBuilder().setName("db").setHost("n2"))).reply().getVolume();
        assertEquals("n2", moved.getAttachment().getHost());
        assertEquals(2, moved.getEpoch());
    }

    @Test
    void deleteRefusesAnAttachedVolumeAndDetachIsIdempotent() {
        apply(create("db", 1L << 30, 1, "n1"));
        apply(ClusterCommand.newBuilder().setAttach(AttachVolume.newBuilder().setName("db").setHost("n1")));
        assertEquals(ClusterError.CONFLICT, apply(ClusterCommand.newBuilder().setDeleteVolume(DeleteVolume.newBuilder().setName("db"))).reply().getError());
        assertEquals(ClusterError.CONFLICT, apply(ClusterCommand.newBuilder().setDetach(DetachVolume.newBuilder().setName("db").setHost("n2"))).reply().getError());
        apply(ClusterCommand.newBuilder().setDetach(DetachVolume.newBuilder().setName("db").setHost("n1")));
        assertEquals(ClusterError.NONE, apply(ClusterCommand.newBuilder().setDetach(DetachVolume.newBuilder().setName("db").setHost("n1"))).reply().getError());
        assertEquals(ClusterError.NONE, apply(ClusterCommand.newBuilder().setDeleteVolume(DeleteVolume.newBuilder().setName("db"))).reply().getError());
        assertTrue(ClusterView.volume(state, "db").isEmpty());
        assertEquals(ClusterError.NOT_FOUND, apply(ClusterCommand.newBuilder().setDeleteVolume(DeleteVolume.newBuilder().setName("db"))).reply().getError());
    }

    @Test
    void replicaSetChangesNeedTheCurrentGeneration() {
        VolumeRecord v = apply(create("db", 1L << 30, 2, "n1")).reply().getVolume();
        ClusterSnapshot before = state;
        assertEquals(ClusterError.CONFLICT, apply(ClusterCommand.newBuilder().setSetReplicaSet(SetReplicaSet.newBuilder()
                .setName("db").addReplicas("n1").addReplicas("n3").setExpectedGeneration(v.getReplicaGeneration() + 1))).reply().getError());
        assertEquals(ClusterError.INVALID, apply(ClusterCommand.newBuilder().setSetReplicaSet(SetReplicaSet.newBuilder()
                .setName("db").addReplicas("n1").addReplicas("n1").setExpectedGeneration(v.getReplicaGeneration()))).reply().getError());
        assertSame(before, state);
        VolumeRecord changed = apply(ClusterCommand.newBuilder().setSetReplicaSet(SetReplicaSet.newBuilder()
                .setName("db").addReplicas("n1").addReplicas("n3").setExpectedGeneration(v.getReplicaGeneration()))).reply().getVolume();
        assertEquals(java.util.List.of("n1", "n3"), changed.getReplicasList());
        assertEquals(v.getReplicaGeneration() + 1, changed.getReplicaGeneration());
    }

    @Test
    void heartbeatsRecordProgressAndLeadership() {
        VolumeRecord v = apply(create("db", 1L << 30, 2, "n1")).reply().getVolume();
        apply(ClusterCommand.newBuilder().setHeartbeat(Heartbeat.newBuilder().setNodeId("n1").putAppliedIndex(v.getId(), 42).addLeading(v.getId())));
        apply(ClusterCommand.newBuilder().setHeartbeat(Heartbeat.newBuilder().setNodeId("n2").putAppliedIndex(v.getId(), 40)));
        var progress = state.getProgressOrThrow(v.getId());
        assertEquals("n1", progress.getLeader());
        assertEquals(40, progress.getAppliedByNodeOrThrow("n2"));
        assertEquals(ClusterError.NOT_FOUND, apply(ClusterCommand.newBuilder().setHeartbeat(Heartbeat.newBuilder().setNodeId("ghost"))).reply().getError());
    }
}
