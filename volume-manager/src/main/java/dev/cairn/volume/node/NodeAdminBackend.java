package dev.cairn.volume.node;

import dev.cairn.ratis.ClusterClient;
import dev.cairn.ratis.Peer;
import dev.cairn.ratis.RaftHost;
import dev.cairn.ratis.cluster.ClusterView;
import dev.cairn.ratis.proto.AttachVolume;
import dev.cairn.ratis.proto.ClusterCommand;
import dev.cairn.ratis.proto.ClusterError;
import dev.cairn.ratis.proto.ClusterReply;
import dev.cairn.ratis.proto.ClusterSnapshot;
import dev.cairn.ratis.proto.CreateVolume;
import dev.cairn.ratis.proto.DeleteVolume;
import dev.cairn.ratis.proto.DetachVolume;
import dev.cairn.ratis.proto.InitCluster;
import dev.cairn.ratis.proto.VolumeRecord;
import dev.cairn.volume.admin.AdminBackend;
import dev.cairn.volume.admin.ApiException;
import dev.cairn.volume.api.AttachRequest;
import dev.cairn.volume.api.ClusterStatus;
import dev.cairn.volume.api.CreateVolumeRequest;
import dev.cairn.volume.api.NodeSelf;
import dev.cairn.volume.api.VolumeInfo;
import dev.cairn.volume.api.VolumeNames;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** The admin API on a node: validates requests and turns them into cluster commands. */
final class NodeAdminBackend implements AdminBackend {
    private final NodeConfig config;
    private final RaftHost raft;
    private final ClusterToken token;
    private final Clock clock;
    private final StatusViews views;

    private final BooleanSupplier caughtUp;
    /** How long a mutating call waits to see its own command in this node's copy of the state. */
    private static final long SEE_OWN_COMMAND_MS = 3_000;
    /** How long a just-restarted node waits to catch up before answering from what it has. */
    private static final long CATCH_UP_WAIT_MS = 5_000;

    /**
     * @param caughtUp whether this node's copy of the cluster state is at least as new as its
     *                 registration in this run (see {@link Reconciler#caughtUp()})
     */
    NodeAdminBackend(NodeConfig config, RaftHost raft, ClusterToken token, Clock clock, BooleanSupplier caughtUp) {
        this.caughtUp = caughtUp;
        this.config = config;
        this.raft = raft;
        this.token = token;
        this.clock = clock;
        this.views = new StatusViews(raft, clock, config.nodeDownAfter());
    }

    @Override
    public boolean clusterInitialized() {
        if (!raft.hasClusterGroup()) {
            return false;
        }
        awaitCaughtUp();
        return ClusterView.initialized(raft.clusterStateMachine().state());
    }

    /**
     * A node just (re)started answers from its last cluster snapshot until the leader tells it
     * what has been committed since (its log holds no commit index, see RaftProps): wait for that,
     * briefly, so it neither reports "not initialized" nor a state older than its own restart.
     * Without a reachable leader it answers from what it has after {@link #CATCH_UP_WAIT_MS}.
     */
    private void awaitCaughtUp() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CATCH_UP_WAIT_MS);
        while (!caughtUp.getAsBoolean() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public boolean tokenValid(String presented) {
        return ClusterToken.matches(presented, raft.clusterStateMachine().state().getTokenSha256());
    }

    @Override
    public NodeSelf self() {
        return new NodeSelf(raft.nodeId(), config.defaultSizeBytes(), config.defaultReplicas());
    }

    @Override
    public List<VolumeInfo> listVolumes() {
        ClusterSnapshot state = raft.clusterStateMachine().state();
        return state.getVolumesList().stream().map(v -> views.volume(state, v)).toList();
    }

    @Override
    public VolumeInfo inspectVolume(String name) {
        validName(name);
        ClusterSnapshot state = raft.clusterStateMachine().state();
        VolumeRecord volume = ClusterView.volume(state, name)
                .orElseThrow(() -> ApiException.notFound("no volume named " + name, "`cairn volume ls` lists the volumes"));
        return views.volume(state, volume);
    }

    @Override
    public VolumeInfo createVolume(CreateVolumeRequest request) {
        validName(request.name());
        if (request.sizeBytes() <= 0 || request.sizeBytes() % 4096 != 0) {
            throw ApiException.badRequest("size " + request.sizeBytes() + " must be a positive multiple of 4096 bytes", "e.g. --size 1G");
        }
        int replicas = request.replicas() == 0 ? Math.min(config.defaultReplicas(), raft.clusterStateMachine().state().getNodesCount())
                : request.replicas();
        if (replicas < 1 || replicas > 5) {
            throw ApiException.badRequest("replicas must be between 1 and 5, got " + request.replicas(), null);
        }
        String requester = request.host() == null || request.host().isEmpty() ? raft.nodeId() : request.host();
        ClusterReply reply = submit(ClusterCommand.newBuilder().setCreateVolume(CreateVolume.newBuilder()
                .setName(request.name()).setSizeBytes(request.sizeBytes()).setReplicas(replicas).setRequester(requester)
                .setFilesystem(request.filesystem() == null ? "" : request.filesystem())));
        return views.volume(raft.clusterStateMachine().state(), reply.getVolume());
    }

    @Override
    public void deleteVolume(String name) {
        validName(name);
        submit(ClusterCommand.newBuilder().setDeleteVolume(DeleteVolume.newBuilder().setName(name)));
    }

    @Override
    public VolumeInfo attach(String name, AttachRequest request) {
        validName(name);
        if (request.host() == null || request.host().isEmpty()) {
            throw ApiException.badRequest("attach needs the host (node id) to attach to", "--host <node id>; `cairn cluster status` lists them");
        }
        ClusterReply reply = submit(ClusterCommand.newBuilder().setAttach(AttachVolume.newBuilder()
                .setName(name).setHost(request.host()).setForce(request.force())));
        return views.volume(raft.clusterStateMachine().state(), reply.getVolume());
    }

    @Override
    public VolumeInfo detach(String name, String host) {
        validName(name);
        if (host == null || host.isEmpty()) {
            throw ApiException.badRequest("detach needs the host it is attached to", "--host <node id>");
        }
        ClusterReply reply = submit(ClusterCommand.newBuilder().setDetach(DetachVolume.newBuilder().setName(name).setHost(host)));
        return views.volume(raft.clusterStateMachine().state(), reply.getVolume());
    }

    @Override
    public ClusterStatus clusterStatus() {
        return views.cluster(raft.clusterStateMachine().state());
    }

    @Override
    public synchronized Map<String, String> initCluster(List<Map<String, String>> peers) {
        if (raft.hasClusterGroup()) {
            throw new ApiException(409, "this node already belongs to cluster " + raft.clusterStateMachine().state().getClusterId(),
                    "`cairn cluster status` shows it; to start over, stop the node and empty its data directory");
        }
        List<Peer> members = new ArrayList<>();
        members.add(new Peer(raft.nodeId(), config.raftAddress(), 1));
        for (Map<String, String> p : peers) {
            String id = p.getOrDefault("id", "");
            String address = p.getOrDefault("raftAddress", "");
            if (id.isEmpty() || address.isEmpty() || !address.contains(":")) {
                throw ApiException.badRequest("each peer needs an id and a raftAddress host:port, got " + p, "--peer node-2=10.0.0.2:9500");
            }
            if (!id.equals(raft.nodeId())) {
                members.add(new Peer(id, address, 1));
            }
        }
        String secret = token.create();
        try {
            for (Peer peer : members) {
                if (!peer.id().equals(raft.nodeId())) {
                    raft.cluster().addClusterGroupOn(peer, members);
                }
            }
        } catch (java.io.IOException e) {
            throw new ApiException(502, "could not reach a peer: " + e.getMessage(), "start `cairn node run` on every peer first");
        }
        raft.joinClusterGroup(members);
        String clusterId = UUID.randomUUID().toString();
        submit(ClusterCommand.newBuilder().setInit(InitCluster.newBuilder().setClusterId(clusterId)
                .setTokenSha256(ClusterToken.sha256(secret))));
        return Map.of("clusterId", clusterId, "tokenFile", config.tokenFile().toString());
    }

    @Override
    public Map<String, List<Map<String, String>>> clusterMembers() {
        return Map.of("voters", describe(raft.clusterMembers()), "listeners", describe(raft.clusterListeners()));
    }

    private static List<Map<String, String>> describe(List<Peer> peers) {
        return peers.stream().map(p -> Map.of("id", p.id(), "raftAddress", p.raftAddress(), "priority", Integer.toString(p.priority()))).toList();
    }

    @Override
    public void addMember(String id, String raftAddress, boolean voter) {
        if (id.isEmpty() || !raftAddress.contains(":")) {
            throw ApiException.badRequest("a member needs an id and a raftAddress host:port", null);
        }
        try {
            raft.cluster().addMember(new Peer(id, raftAddress, voter ? 1 : 0), voter);
        } catch (java.io.IOException e) {
            throw new ApiException(503, e.getMessage(), "the new node's raft-address must be reachable from the cluster's leader");
        }
    }

    @Override
    public Map<String, String> joinCluster(String seedAdminUrl, String presentedToken, boolean voter) {
        return new ClusterJoin(raft, config).join(seedAdminUrl, presentedToken, voter);
    }

    private ClusterReply submit(ClusterCommand.Builder command) {
        ClusterReply reply;
        try {
            // This node answers the caller's next request from its own copy of the cluster state:
            // wait until that copy holds the change.
            reply = raft.cluster().submitAndSee(command.setNowMs(clock.millis()).build(), SEE_OWN_COMMAND_MS);
        } catch (CompletionException e) {
            if (e.getCause() instanceof ClusterClient.ClusterUnavailableException u) {
                throw new ApiException(503, u.getMessage(), "a majority of the cluster's voting nodes must be up; `cairn cluster status` on another node");
            }
            throw e;
        }
        if (reply.getError() != ClusterError.NONE) {
            int status = switch (reply.getError()) {
                case NOT_FOUND -> 404;
                case CONFLICT, UNPLACEABLE -> 409;
                case NOT_INITIALIZED -> 503;
                default -> 400;
            };
            throw new ApiException(status, reply.getMessage(), reply.getHint().isEmpty() ? null : reply.getHint());
        }
        return reply;
    }

    private static void validName(String name) {
        try {
            VolumeNames.validate(name);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage(), null);
        }
    }

}
