package dev.cairn.ratis.cluster;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.cairn.ratis.proto.ClusterCommand;
import dev.cairn.ratis.proto.ClusterError;
import dev.cairn.ratis.proto.ClusterReply;
import dev.cairn.ratis.proto.ClusterSnapshot;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster group's state machine. Each entry is a {@link ClusterCommand}; applying it replaces
 * the state value with the executor's result. A snapshot is that value serialized to one file.
 * Queries are not used: nodes read their local replica's {@link #state()} (possibly stale, which
 * the callers accept) and changes go through the log.
 */
public final class ClusterStateMachine extends BaseStateMachine {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterStateMachine.class);
    private static final SnapshotRetentionPolicy KEEP_THREE = new SnapshotRetentionPolicy() {
        @Override
        public int getNumSnapshotsRetained() {
            return 3;
        }
    };

    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final VolumeCommands volumes;
    private final List<Consumer<ClusterSnapshot>> listeners = new CopyOnWriteArrayList<>();
    private volatile ClusterSnapshot state = ClusterSnapshot.getDefaultInstance();
    /** Notified after every applied entry ({@link #awaitApplied}). */
    private final Object appliedMonitor = new Object();

    /**
     * @param nodeDownAfterMs after how long without a heartbeat a node no longer holds its attachments;
     *                        must be the same on every node (it shapes apply)
     */
    public ClusterStateMachine(long nodeDownAfterMs) {
        this.volumes = new VolumeCommands(new PlacementAdapter(nodeDownAfterMs), nodeDownAfterMs);
    }

    /** The state as of the last entry applied on this node. */
    public ClusterSnapshot state() {
        return state;
    }

    /**
     * The log index of the last entry applied on this node (-1 before any). Read it before
     * {@link #state()}: the state is then at least as new.
     */
    public long appliedIndex() {
        TermIndex last = getLastAppliedTermIndex();
        return last == null ? -1 : last.getIndex();
    }

    /**
     * Waits until this node has applied the entry at {@code index}, at most {@code timeoutMs}.
     *
     * @return whether it has
     */
    public boolean awaitApplied(long index, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        synchronized (appliedMonitor) {
            while (appliedIndex() < index) {
                long leftMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (leftMs <= 0) {
                    return false;
                }
                appliedMonitor.wait(leftMs);
            }
            return true;
        }
    }

    /** Called on the apply thread after every state change; must return quickly. */
    public void addListener(Consumer<ClusterSnapshot> listener) {
        listeners.add(listener);
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        getLifeCycle().transition(org.apache.ratis.util.LifeCycle.State.STARTING);
        storage.init(raftStorage);
        loadSnapshot();
        getLifeCycle().transition(org.apache.ratis.util.LifeCycle.State.RUNNING);
    }

    @Override
    public void pause() {
        // Ratis pauses the state machine before it installs a snapshot from the leader, and
        // checks that it is PAUSED before calling reinitialize().
        getLifeCycle().transition(org.apache.ratis.util.LifeCycle.State.PAUSING);
        getLifeCycle().transition(org.apache.ratis.util.LifeCycle.State.PAUSED);
    }

    @Override
    public void reinitialize() throws IOException {
        getLifeCycle().transition(org.apache.ratis.util.LifeCycle.State.STARTING);
        loadSnapshot();
        getLifeCycle().transition(org.apache.ratis.util.LifeCycle.State.RUNNING);
    }

    private void loadSnapshot() throws IOException {
        SingleFileSnapshotInfo snapshot = storage.loadLatestSnapshot();
        if (snapshot == null) {
            return;
        }
        File file = snapshot.getFile().getPath().toFile();
        if (snapshot.hasMd5()) {
            MD5FileUtil.verifySavedMD5(file, snapshot.getFile().getFileDigest());
        }
        state = ClusterSnapshot.parseFrom(Files.readAllBytes(file.toPath()));
        setLastAppliedTermIndex(snapshot.getTermIndex());
        LOG.info("cluster state loaded from snapshot {}: {} nodes, {} volumes", snapshot.getTermIndex(),
                state.getNodesCount(), state.getVolumesCount());
        notifyListeners();
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        ClusterReply reply;
        try {
            ClusterCommand command = ClusterCommand.parseFrom(entry.getStateMachineLogEntry().getLogData().asReadOnlyByteBuffer());
            Outcome outcome = apply(state, command);
            state = outcome.state();
            reply = outcome.reply();
        } catch (InvalidProtocolBufferException e) {
            reply = ClusterReply.newBuilder().setError(ClusterError.INVALID).setMessage("malformed cluster command: " + e.getMessage()).build();
        }
        updateLastAppliedTermIndex(TermIndex.valueOf(entry));
        synchronized (appliedMonitor) {
            appliedMonitor.notifyAll();
        }
        notifyListeners();
        return CompletableFuture.completedFuture(Message.valueOf(UnsafeByteOperations.unsafeWrap(reply.toByteArray())));
    }

    Outcome apply(ClusterSnapshot current, ClusterCommand command) {
        long now = command.getNowMs();
        if (command.getCommandCase() != ClusterCommand.CommandCase.INIT && !ClusterView.initialized(current)) {
            return Outcome.refuse(current, ClusterError.NOT_INITIALIZED, "the cluster is not initialized", "run `cairn cluster init`");
        }
        return switch (command.getCommandCase()) {
            case INIT -> NodeCommands.init(current, command.getInit());
            case REGISTER_NODE -> NodeCommands.register(current, command.getRegisterNode(), now);
            case HEARTBEAT -> NodeCommands.heartbeat(current, command.getHeartbeat(), now);
            case REMOVE_NODE -> NodeCommands.remove(current, command.getRemoveNode());
            case SYNC -> Outcome.ok(current);
            case CREATE_VOLUME -> volumes.create(current, command.getCreateVolume(), now);
            case DELETE_VOLUME -> volumes.delete(current, command.getDeleteVolume());
            case ATTACH -> volumes.attach(current, command.getAttach(), now);
            case DETACH -> volumes.detach(current, command.getDetach());
            case SET_REPLICA_SET -> volumes.setReplicaSet(current, command.getSetReplicaSet());
            case COMMAND_NOT_SET -> Outcome.refuse(current, ClusterError.INVALID, "empty cluster command", null);
        };
    }

    private void notifyListeners() {
        ClusterSnapshot now = state;
        for (Consumer<ClusterSnapshot> listener : listeners) {
            try {
                listener.accept(now);
            } catch (RuntimeException e) {
                LOG.warn("cluster state listener failed", e);
            }
        }
    }

    @Override
    public long takeSnapshot() throws IOException {
        TermIndex last = getLastAppliedTermIndex();
        SingleFileSnapshotInfo previous = storage.getLatestSnapshot();
        if (last.getIndex() < 0 || (previous != null && previous.getIndex() >= last.getIndex())) {
            return previous == null ? -1 : previous.getIndex();
        }
        File target = storage.getSnapshotFile(last.getTerm(), last.getIndex());
        File tmp = new File(target.getParentFile(), target.getName() + ".tmp");
        Files.write(tmp.toPath(), state.toByteArray());
        Files.move(tmp.toPath(), target.toPath(), StandardCopyOption.ATOMIC_MOVE);
        MD5Hash md5 = MD5FileUtil.computeAndSaveMd5ForFile(target);
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(target.toPath(), md5), last));
        storage.cleanupOldSnapshots(KEEP_THREE);
        return last.getIndex();
    }

    @Override
    public SnapshotInfo getLatestSnapshot() {
        return storage.getLatestSnapshot();
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return storage;
    }
}
