package dev.cairn.ratis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.ratis.cluster.ClusterView;
import dev.cairn.ratis.proto.ClusterCommand;
import dev.cairn.ratis.proto.ClusterError;
import dev.cairn.ratis.proto.CreateVolume;
import dev.cairn.ratis.proto.Heartbeat;
import dev.cairn.ratis.proto.InitCluster;
import dev.cairn.ratis.proto.NodeRecord;
import dev.cairn.ratis.proto.RegisterNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster group on a real one-node Ratis server: commands go through the log, a snapshot is
 * taken, and a restarted server rebuilds the same state from the snapshot plus the log tail.
 */
@Timeout(120)
class ClusterGroupTest {
    @TempDir
    Path dir;

    @Test
    void stateSurvivesARestartThroughItsSnapshot() throws Exception {
        String address = TestPorts.freeAddress();
        RaftHostConfig config = RaftHostConfig.defaults("n1", address, dir.resolve("raft")).withSnapshotEveryEntries(20);
        MemoryChunkStore store = new MemoryChunkStore(4096);
        try (RaftHost host = RaftHost.start(config, store)) {
            host.joinClusterGroup(List.of(new Peer("n1", address, 1)));
            submit(host, ClusterCommand.newBuilder().setInit(InitCluster.newBuilder().setClusterId("c1").setTokenSha256("b".repeat(64))));
            submit(host, ClusterCommand.newBuilder().setRegisterNode(RegisterNode.newBuilder().setNode(NodeRecord.newBuilder()
                    .setId("n1").setRaftAddress(address).setCapacityBytes(1L << 40))));
            for (int i = 0; i < 30; i++) {
                var reply = submit(host, ClusterCommand.newBuilder().setCreateVolume(CreateVolume.newBuilder()
                        .setName("v" + i).setSizeBytes(1L << 20).setReplicas(1).setRequester("n1")));
                assertEquals(ClusterError.NONE, reply.getError(), reply.getMessage());
                submit(host, ClusterCommand.newBuilder().setHeartbeat(Heartbeat.newBuilder().setNodeId("n1")));
            }
            assertEquals(30, host.clusterStateMachine().state().getVolumesCount());
        }
        try (Stream<Path> files = Files.walk(dir.resolve("raft"))) {
            assertTrue(files.anyMatch(p -> p.getFileName().toString().startsWith("snapshot.")), "a cluster snapshot was written");
        }
        try (RaftHost again = RaftHost.start(config, store)) {
            assertTrue(again.hasClusterGroup(), "the group is found in the storage directory");
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (again.clusterStateMachine().state().getVolumesCount() < 30 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            var state = again.clusterStateMachine().state();
            assertEquals("c1", state.getClusterId());
            assertEquals(30, state.getVolumesCount());
            assertEquals(31, state.getNextVolumeId());
            assertTrue(ClusterView.volume(state, "v29").isPresent());
        }
    }

    /**
     * A node that submits a command sees it in its own copy of the cluster state when the call
     * returns, also on a follower, which otherwise learns of the commit only from the leader's
     * next entry or heartbeat (the log holds no commit-index entries).
     */
    @Test
    void aFollowerSeesItsOwnCommandWhenTheCallReturns() throws Exception {
        List<Peer> peers = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            peers.add(new Peer("n" + i, TestPorts.freeAddress(), 1));
        }
        List<RaftHost> hosts = new ArrayList<>();
        try {
            for (Peer peer : peers) {
                RaftHost host = RaftHost.start(RaftHostConfig.defaults(peer.id(), peer.raftAddress(),
                        dir.resolve(peer.id())), new MemoryChunkStore(4096));
                hosts.add(host);
                host.joinClusterGroup(peers);
            }
            submit(hosts.get(0), ClusterCommand.newBuilder().setInit(InitCluster.newBuilder().setClusterId("c1").setTokenSha256("b".repeat(64))));
            for (Peer peer : peers) {
                submit(hosts.get(0), ClusterCommand.newBuilder().setRegisterNode(RegisterNode.newBuilder().setNode(NodeRecord.newBuilder()
                        .setId(peer.id()).setRaftAddress(peer.raftAddress()).setCapacityBytes(1L << 40))));
            }
            int created = 0;
            for (int round = 0; round < 5; round++) {
                for (RaftHost host : hosts) {
                    String name = "v" + created++;
                    var reply = host.cluster().submitAndSee(ClusterCommand.newBuilder().setNowMs(System.currentTimeMillis())
                            .setCreateVolume(CreateVolume.newBuilder().setName(name).setSizeBytes(1L << 20).setReplicas(1)
                                    .setRequester(host.nodeId())).build(), 3_000);
                    assertEquals(ClusterError.NONE, reply.getError(), reply.getMessage());
                    assertTrue(ClusterView.volume(host.clusterStateMachine().state(), name).isPresent(),
                            host.nodeId() + " sees " + name + " it just created");
                }
            }
        } finally {
            for (RaftHost host : hosts) {
                host.close();
            }
        }
    }

    private static dev.cairn.ratis.proto.ClusterReply submit(RaftHost host, ClusterCommand.Builder command) {
        return host.cluster().submit(command.setNowMs(System.currentTimeMillis()).build()).join();
    }
}
