package dev.cairn.ratis;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.cairn.chunkstore.ChunkStoreException;
import dev.cairn.ratis.proto.FlushBarrier;
import dev.cairn.ratis.proto.SetEpoch;
import dev.cairn.ratis.proto.VolumeCommand;
import dev.cairn.ratis.proto.VolumeError;
import dev.cairn.ratis.proto.VolumeQuery;
import dev.cairn.ratis.proto.VolumeReply;
import dev.cairn.ratis.proto.ZeroRange;
import dev.cairn.ratis.volume.VolumeLayout;
import dev.cairn.ratis.volume.VolumeMeta;
import dev.cairn.ratis.volume.VolumeStateMachine;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.protocol.TransferLeadershipRequest;
import org.apache.ratis.protocol.exceptions.RaftException;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

/**
 * This node's replica of one volume. On the primary (the group's leader) it submits block commands
 * straight to the local Raft server, without a network hop; a write's future completes once the
 * entry is committed by a majority and applied here.
 */
public final class VolumeReplica {
    /**
     * Entries of block writes in the log at once per volume; writes arriving meanwhile are gathered
     * into the next entry (see {@link WriteBatcher}). Measured in docs/benchmarks.md.
     */
    static final int WRITE_ENTRIES_IN_FLIGHT = Integer.getInteger("cairn.write.entriesInFlight", 4);
    private static final byte[] STATUS_QUERY = VolumeQuery.newBuilder()
            .setStatus(dev.cairn.ratis.proto.VolumeStatusQuery.getDefaultInstance()).build().toByteArray();

    private final RaftHost host;
    private final RaftServer.Division division;
    private final VolumeStateMachine stateMachine;
    private final WriteBatcher writes;
    private final ReadBarrier reads;

    VolumeReplica(RaftHost host, RaftServer.Division division) {
        this.host = host;
        this.division = division;
        this.stateMachine = (VolumeStateMachine) division.getStateMachine();
        this.writes = new WriteBatcher((epoch, batch) -> command(VolumeEntries.writeExtents(epoch, batch)),
                WRITE_ENTRIES_IN_FLIGHT, RaftProps.MAX_ENTRY_PAYLOAD,
                host.volumeIo());
        this.reads = new ReadBarrier(this::confirmLeadership, host.volumeIo());
    }

    public VolumeLayout layout() {
        return stateMachine.layout();
    }

    /** True while this replica leads its group and has committed an entry of its term. */
    public boolean isPrimary() {
        return division.getInfo().isLeader() && division.getInfo().isLeaderReady();
    }

    /** The node id of the group's current leader as this replica knows it. */
    public Optional<String> primary() {
        RaftPeerId leader = division.getInfo().getLeaderId();
        return leader == null ? Optional.empty() : Optional.of(leader.toString());
    }

    public long appliedIndex() {
        return division.getInfo().getLastAppliedIndex();
    }

    /** The attachment epoch and host as of the last entry applied here. */
    public VolumeMeta meta() {
        return stateMachine.meta();
    }

    public CompletableFuture<Void> write(long epoch, long offset, ByteBuffer data) {
        CompletableFuture<Void> outside = checkRange(offset, data.remaining());
        if (outside != null) {
            return outside;
        }
        return writes.write(epoch, offset, data);
    }

    public CompletableFuture<Void> zero(long epoch, long offset, long length, boolean trim) {
        CompletableFuture<Void> outside = checkRange(offset, length);
        if (outside != null) {
            return outside;
        }
        VolumeCommand cmd = VolumeCommand.newBuilder().setZero(ZeroRange.newBuilder()
                .setEpoch(epoch).setOffset(offset).setLength(length).setTrim(trim)).build();
        return command(cmd.toByteArray()).thenApply(r -> null);
    }

    /** An entry through the log that checks the epoch; completes once everything before it is applied. */
    public CompletableFuture<Void> barrier(long epoch) {
        VolumeCommand cmd = VolumeCommand.newBuilder().setFlush(FlushBarrier.newBuilder().setEpoch(epoch)).build();
        return command(cmd.toByteArray()).thenApply(r -> null);
    }

    /** Records a new attachment; writes with an older epoch are refused once it is applied. */
    public CompletableFuture<Long> setEpoch(long epoch, String attachedHost) {
        VolumeCommand cmd = VolumeCommand.newBuilder().setSetEpoch(SetEpoch.newBuilder().setEpoch(epoch).setHost(attachedHost)).build();
        return command(cmd.toByteArray()).thenApply(VolumeReply::getEpoch);
    }

    /**
     * A linearizable read, served from this replica's own store once Ratis has confirmed, after the
     * read arrived, that this replica leads the group (by its leader lease, else a heartbeat round)
     * and has applied everything committed before. Reads that arrive together share one
     * confirmation ({@link ReadBarrier}).
     */
    public CompletableFuture<ByteBuffer> read(long offset, int length) {
        CompletableFuture<ByteBuffer> outside = checkRange(offset, length);
        if (outside != null) {
            return outside;
        }
        return reads.await().thenApply(confirmed -> {
            try {
                return stateMachine.readLocal(offset, length);
            } catch (ChunkStoreException e) {
                throw new VolumeIOException(VolumeIOException.Kind.IO, e.getMessage(), e);
            }
        });
    }

    /** A read-only query through Ratis' linearizable read path; completes once this replica may serve reads. */
    private CompletableFuture<?> confirmLeadership() {
        return submit(STATUS_QUERY, RaftClientRequest.readRequestType());
    }

    /** Asks the group to make {@code nodeId} its leader (primary locality after an attach). */
    public CompletableFuture<Void> transferLeadership(String nodeId, long timeoutMs) {
        try {
            TransferLeadershipRequest request = new TransferLeadershipRequest(host.clientId(), division.getMemberId().getPeerId(),
                    division.getMemberId().getGroupId(), host.nextCallId(), RaftPeerId.valueOf(nodeId), timeoutMs);
            return division.getRaftServer().transferLeadershipAsync(request).thenApply(reply -> {
                checkSuccess(reply);
                return null;
            });
        } catch (IOException e) {
            return CompletableFuture.failedFuture(new VolumeIOException(VolumeIOException.Kind.UNAVAILABLE, e.getMessage(), e));
        }
    }

    /** A failed future if the range is outside the volume (the state machine checks again), else null. */
    private <T> CompletableFuture<T> checkRange(long offset, long length) {
        if (layout().contains(offset, length)) {
            return null;
        }
        return CompletableFuture.failedFuture(new VolumeIOException(VolumeIOException.Kind.OUT_OF_RANGE,
                "range " + offset + "+" + length + " is beyond the volume's " + layout().sizeBytes() + " bytes"));
    }

    /** The group's current members (voters) with their priorities, as this replica knows them. */
    public List<Peer> members() {
        return division.getRaftConf().getCurrentPeers().stream()
                .map(p -> new Peer(p.getId().toString(), p.getAddress(), p.getPriority()))
                .sorted(java.util.Comparator.comparing(Peer::id))
                .toList();
    }

    /**
     * Changes the group's members (and their leader priorities). Must be called on the primary. New
     * members catch up (snapshot, then log) before the change commits; removed ones stop receiving.
     */
    public CompletableFuture<Void> setMembers(List<Peer> peers) {
        try {
            SetConfigurationRequest request = new SetConfigurationRequest(host.clientId(), division.getMemberId().getPeerId(),
                    division.getMemberId().getGroupId(), host.nextCallId(), RaftHost.toRaftPeers(peers));
            return division.getRaftServer().setConfigurationAsync(request).thenApply(reply -> {
                checkSuccess(reply);
                return null;
            });
        } catch (IOException e) {
            return CompletableFuture.failedFuture(new VolumeIOException(VolumeIOException.Kind.UNAVAILABLE, e.getMessage(), e));
        }
    }

    /** Per member, the highest log index known to be replicated there (leader only; empty elsewhere). */
    public java.util.Map<String, Long> matchIndexes() {
        java.util.Map<String, Long> result = new java.util.TreeMap<>();
        if (!division.getInfo().isLeader()) {
            return result;
        }
        for (var info : division.getCommitInfos()) {
            result.put(org.apache.ratis.protocol.RaftPeerId.valueOf(info.getServer().getId()).toString(), info.getCommitIndex());
        }
        return result;
    }

    private CompletableFuture<VolumeReply> command(byte[] entry) {
        return submit(entry, RaftClientRequest.writeRequestType()).thenApply(reply -> {
            VolumeReply volumeReply;
            try {
                volumeReply = VolumeReply.parseFrom(reply.getMessage().getContent().asReadOnlyByteBuffer());
            } catch (InvalidProtocolBufferException e) {
                throw new VolumeIOException(VolumeIOException.Kind.IO, "unreadable reply from volume " + layout().volumeId(), e);
            }
            if (volumeReply.getError() != VolumeError.OK) {
                throw new VolumeIOException(kindOf(volumeReply.getError()), volumeReply.getMessage());
            }
            return volumeReply;
        });
    }

    private CompletableFuture<RaftClientReply> submit(byte[] payload, RaftClientRequest.Type type) {
        RaftClientRequest request = RaftClientRequest.newBuilder()
                .setClientId(host.clientId())
                .setServerId(division.getMemberId().getPeerId())
                .setGroupId(division.getMemberId().getGroupId())
                .setCallId(host.nextCallId())
                .setMessage(Message.valueOf(UnsafeByteOperations.unsafeWrap(payload)))
                .setType(type)
                .build();
        CompletableFuture<RaftClientReply> future;
        try {
            future = division.getRaftServer().submitClientRequestAsync(request);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(new VolumeIOException(VolumeIOException.Kind.UNAVAILABLE, e.getMessage(), e));
        }
        return future.handle((reply, error) -> {
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                throw new VolumeIOException(VolumeIOException.Kind.UNAVAILABLE, "volume " + layout().volumeId() + ": " + cause, cause);
            }
            checkSuccess(reply);
            return reply;
        });
    }

    private void checkSuccess(RaftClientReply reply) {
        if (reply.isSuccess()) {
            return;
        }
        RaftException e = reply.getException();
        if (reply.getNotLeaderException() != null || reply.getLeaderNotReadyException() != null
                || reply.getLeaderSteppingDownException() != null) {
            throw new VolumeIOException(VolumeIOException.Kind.NOT_PRIMARY,
                    "node " + host.nodeId() + " is not the primary of volume " + layout().volumeId()
                            + primary().map(p -> " (the primary is " + p + ")").orElse(""), e);
        }
        if (reply.getStateMachineException() != null) {
            Throwable cause = reply.getStateMachineException().getCause();
            String message = cause != null ? cause.getMessage() : reply.getStateMachineException().getMessage();
            throw new VolumeIOException(message != null && message.contains("beyond the volume")
                    ? VolumeIOException.Kind.OUT_OF_RANGE : VolumeIOException.Kind.IO, message, e);
        }
        throw new VolumeIOException(VolumeIOException.Kind.UNAVAILABLE,
                "volume " + layout().volumeId() + ": " + (e == null ? "request failed" : e.getMessage()), e);
    }

    private static VolumeIOException.Kind kindOf(VolumeError error) {
        return switch (error) {
            case FENCED -> VolumeIOException.Kind.FENCED;
            case OUT_OF_RANGE -> VolumeIOException.Kind.OUT_OF_RANGE;
            case BAD_REQUEST, IO_ERROR, OK, UNRECOGNIZED -> VolumeIOException.Kind.IO;
        };
    }
}
