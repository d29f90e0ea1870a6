package dev.cairn.ratis;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.cairn.ratis.proto.ClusterCommand;
import dev.cairn.ratis.proto.ClusterReply;
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

    public CompletableFuture<ClusterReply> submit(ClusterCommand command) {
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
                    try {
                        return ClusterReply.parseFrom(reply.getMessage().getContent().asReadOnlyByteBuffer());
                    } catch (InvalidProtocolBufferException e) {
                        throw new IllegalStateException("unreadable cluster reply", e);
                    }
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
