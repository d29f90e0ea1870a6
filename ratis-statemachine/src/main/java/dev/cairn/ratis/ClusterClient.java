package dev.cairn.ratis;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.cairn.ratis.cluster.ClusterStateMachine;
import dev.cairn.ratis.proto.ClusterCommand;
import dev.cairn.ratis.proto.ClusterReply;
import dev.cairn.ratis.proto.Sync;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Submits commands to the cluster group from any member, following the leader, and asks other
 * nodes' Raft servers to add a group (cluster bootstrap). Retries for about ten seconds, then fails
 * with {@link ClusterUnavailableException}.
 */
public final class ClusterClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterClient.class);
    /** How long a command's submitter waits for its own copy to apply it before sending a Sync. */
    private static final long SYNC_AFTER_MS = 20;

    private final RaftHost host;
    private final RaftProperties properties;
    private RaftClient client;
    private List<RaftPeer> clientPeers = List.of();

    ClusterClient(RaftHost host, RaftProperties serverProperties) {
        this.host = host;
        this.properties = new RaftProperties();
        RaftClientConfigKeys.Rpc.setRequestTimeout(properties, TimeDuration.valueOf(3, TimeUnit.SECONDS));
        org.apache.ratis.grpc.GrpcConfigKeys.setMessageSizeMax(properties,
                org.apache.ratis.grpc.GrpcConfigKeys.messageSizeMax(serverProperties, s -> { }));
    }

    /** A cluster group command could not be committed: no leader reachable in time. */
    public static final class ClusterUnavailableException extends RuntimeException {
        ClusterUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Completes once the group's leader has committed and applied the command. */
    public CompletableFuture<ClusterReply> submit(ClusterCommand command) {
        return send(command).thenApply(ClusterClient::parse);
    }

    /**
     * Submits and blocks until this node's own copy of the cluster state has applied the command
     * too, so what this node answers next includes it (read-your-writes). A follower otherwise
     * learns of a commit only from the leader's next entry or heartbeat (up to half the minimum
     * election timeout later; the log holds no commit-index entries, see RaftProps): if its copy
     * lags, a {@link Sync} entry carries the commit index to it at once. Gives up waiting after
     * {@code timeoutMs} and returns the reply all the same (the command is committed).
     */
    public ClusterReply submitAndSee(ClusterCommand command, long timeoutMs) {
        return parse(sendAndSee(command, timeoutMs));
    }

    /** {@link #submitAndSee}, returning the log index the command was committed at. */
    public long submitAndSeeIndex(ClusterCommand command, long timeoutMs) {
        return sendAndSee(command, timeoutMs).getLogIndex();
    }

    private RaftClientReply sendAndSee(ClusterCommand command, long timeoutMs) {
        RaftClientReply reply = send(command).join();
        if (host.hasClusterGroup()) {
            ClusterStateMachine local = host.clusterStateMachine();
            long index = reply.getLogIndex();
            try {
                if (!local.awaitApplied(index, SYNC_AFTER_MS)) {
                    send(ClusterCommand.newBuilder().setNowMs(command.getNowMs()).setSync(Sync.getDefaultInstance()).build());
                    if (!local.awaitApplied(index, Math.max(0, timeoutMs - SYNC_AFTER_MS))) {
                        LOG.debug("this node had not applied cluster entry {} after {} ms", index, timeoutMs);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return reply;
    }

    private static ClusterReply parse(RaftClientReply reply) {
        try {
            return ClusterReply.parseFrom(reply.getMessage().getContent().asReadOnlyByteBuffer());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("unreadable cluster reply", e);
        }
    }

    private CompletableFuture<RaftClientReply> send(ClusterCommand command) {
        RaftClient c;
        try {
            c = client();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return c.async().send(Message.valueOf(UnsafeByteOperations.unsafeWrap(command.toByteArray())))
                .handle((reply, error) -> {
                    if (error != null) {
                        throw new ClusterUnavailableException("the cluster group did not commit the command: " + rootMessage(error), error);
                    }
                    if (!reply.isSuccess()) {
                        throw new ClusterUnavailableException("the cluster group refused the command: " + reply.getException(), reply.getException());
                    }
                    return reply;
                });
    }

    /**
     * Asks the Raft server at {@code peer} to form the cluster group with {@code members}: how
     * {@code cairn cluster init} brings up several nodes at once.
     */
    public void addClusterGroupOn(Peer peer, List<Peer> members) throws IOException {
        RaftGroup group = RaftGroup.valueOf(GroupIds.CLUSTER, RaftHost.toRaftPeers(members));
        RaftPeer target = RaftHost.toRaftPeers(List.of(peer)).get(0);
        try (RaftClient admin = newClient(RaftGroup.valueOf(GroupIds.CLUSTER, List.of(target)))) {
            RaftClientReply reply;
            try {
                reply = admin.getGroupManagementApi(target.getId()).add(group);
            } catch (IOException e) {
                // The client retries a request whose reply was slow; the retry then finds the group
                // the first attempt created. That is success, not a reason to fail cluster init.
                if (alreadyExists(e)) {
                    return;
                }
                throw e;
            }
            if (!reply.isSuccess() && !alreadyExists(reply.getException())) {
                throw new IOException("node " + peer.id() + " refused to join the cluster group: " + reply.getException());
            }
        }
    }

    private static boolean alreadyExists(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.apache.ratis.protocol.exceptions.AlreadyExistsException
                    || String.valueOf(t.getMessage()).contains("already exists")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Adds a node to the cluster group through its leader: as a voter, or as a non-voting listener
     * that receives the cluster state without counting towards its majority.
     */
    public void addMember(Peer peer, boolean voter) throws IOException {
        List<Peer> voters = new java.util.ArrayList<>(host.clusterMembers());
        List<Peer> listeners = new java.util.ArrayList<>(host.clusterListeners());
        voters.removeIf(p -> p.id().equals(peer.id()));
        listeners.removeIf(p -> p.id().equals(peer.id()));
        (voter ? voters : listeners).add(peer);
        List<RaftPeer> listenerPeers = RaftHost.toRaftPeers(listeners).stream()
                .map(p -> RaftPeer.newBuilder().setId(p.getId()).setAddress(p.getAddress()).setPriority(0)
                        .setStartupRole(org.apache.ratis.proto.RaftProtos.RaftPeerRole.LISTENER).build()).toList();
        RaftClientReply reply = client().admin().setConfiguration(RaftHost.toRaftPeers(voters), listenerPeers);
        if (!reply.isSuccess()) {
            throw new IOException("the cluster group did not accept " + peer.id() + ": " + reply.getException());
        }
    }

    private synchronized RaftClient client() {
        List<RaftPeer> peers = RaftHost.toRaftPeers(host.clusterMembers());
        if (peers.isEmpty()) {
            throw new ClusterUnavailableException("this node is not a member of a cluster yet; run `cairn cluster init` or `cairn node join`", null);
        }
        if (client == null || !peers.equals(clientPeers)) {
            closeQuietly();
            client = newClient(RaftGroup.valueOf(GroupIds.CLUSTER, peers));
            clientPeers = peers;
        }
        return client;
    }

    private RaftClient newClient(RaftGroup group) {
        // Each client gets its own id: the server's retry cache is keyed by (client id, call id).
        ClientId id = ClientId.randomId();
        return RaftClient.newBuilder()
                .setClientId(id)
                .setProperties(properties)
                .setRaftGroup(group)
                .setClientRpc(new GrpcFactory(new Parameters()).newRaftClientRpc(id, properties))
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(40, TimeDuration.valueOf(250, TimeUnit.MILLISECONDS)))
                .build();
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.toString();
    }

    private void closeQuietly() {
        if (client != null) {
            try {
                client.close();
            } catch (IOException e) {
                LOG.debug("closing cluster client", e);
            }
            client = null;
        }
    }

    @Override
    public synchronized void close() {
        closeQuietly();
    }
}
