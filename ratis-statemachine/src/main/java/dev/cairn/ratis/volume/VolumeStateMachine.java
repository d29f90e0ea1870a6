package dev.cairn.ratis.volume;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.cairn.chunkstore.AppliedIndex;
import dev.cairn.chunkstore.ChunkStore;
import dev.cairn.chunkstore.ChunkStoreException;
import dev.cairn.chunkstore.VolumeBatch;
import dev.cairn.ratis.proto.ReadBlocks;
import dev.cairn.ratis.proto.SetEpoch;
import dev.cairn.ratis.proto.VolumeCommand;
import dev.cairn.ratis.proto.VolumeError;
import dev.cairn.ratis.proto.VolumeQuery;
import dev.cairn.ratis.proto.VolumeReply;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state machine of one volume's Raft group: parse, check, delegate to an executor.
 *
 * <p>Ordering rules (the Raft log is the write-ahead log):
 * <ol>
 *   <li>An entry is applied to the chunk store in one atomic batch that also records its index, with
 *       the store's own WAL off; so after a crash the store is at some entry boundary it can name.
 *   <li>On start, {@link #initialize} resumes from the store's applied index; Ratis replays the log
 *       after it. The log is only purged behind a snapshot, and a snapshot is only declared after the
 *       store has synced everything up to it, so the entries a restart needs are always there.
 *   <li>A snapshot is a consistent export of the volume's blocks (and {@link VolumeMeta}) at the
 *       snapshot index: a lagging or new replica installs it and continues from the log.
 * </ol>
 * Reads arrive through {@link #query} only after Ratis has confirmed leadership (linearizable read
 * option, with leader lease) and applied up to the read index.
 */
public final class VolumeStateMachine extends BaseStateMachine {
    private static final Logger LOG = LoggerFactory.getLogger(VolumeStateMachine.class);

    private final VolumeLayout layout;
    private final ChunkStore store;
    private final BlockWriteExecutor writer;
    private final BlockReadExecutor reader;
    private final VolumeSnapshots snapshots;
    private volatile VolumeMeta meta = VolumeMeta.INITIAL;

    public VolumeStateMachine(VolumeLayout layout, ChunkStore store) {
        this.layout = layout;
        this.store = store;
        this.writer = new BlockWriteExecutor(layout, store);
        this.reader = new BlockReadExecutor(layout, store);
        this.snapshots = new VolumeSnapshots(layout.volumeId(), store);
    }

    public VolumeLayout layout() {
        return layout;
    }

    /** The attachment epoch and host as of the last applied entry. */
    public VolumeMeta meta() {
        return meta;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        getLifeCycle().transition(org.apache.ratis.util.LifeCycle.State.STARTING);
        snapshots.init(raftStorage);
        loadState();
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
        // Called after a snapshot from the leader was installed into our state machine directory.
        getLifeCycle().transition(org.apache.ratis.util.LifeCycle.State.STARTING);
        loadState();
        getLifeCycle().transition(org.apache.ratis.util.LifeCycle.State.RUNNING);
    }

    private void loadState() throws IOException {
        AppliedIndex applied = snapshots.catchUpFromLatest();
        meta = VolumeMeta.load(store, layout.volumeId());
        setLastAppliedTermIndex(TermIndex.valueOf(applied.term(), applied.index()));
        LOG.info("volume {} resumes at applied index {} (epoch {})", layout.volumeId(), applied.index(), meta.epoch());
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        TermIndex termIndex = TermIndex.valueOf(entry);
        if (alreadyApplied(termIndex.getIndex())) {
            return CompletableFuture.completedFuture(Message.valueOf(UnsafeByteOperations.unsafeWrap(
                    BlockWriteExecutor.ok(meta).toByteArray())));
        }
        AppliedIndex at = new AppliedIndex(termIndex.getTerm(), termIndex.getIndex());
        VolumeReply reply;
        try {
            VolumeCommand command = VolumeCommand.parseFrom(
                    entry.getStateMachineLogEntry().getLogData().asReadOnlyByteBuffer());
            reply = apply(command, at);
        } catch (InvalidProtocolBufferException e) {
            reply = error(VolumeError.BAD_REQUEST, "malformed volume command at index " + at.index() + ": " + e.getMessage());
        } catch (ChunkStoreException e) {
            // The store failed the batch (e.g. a partly written block failed its checksum on this
            // replica); nothing of it was applied here. The writer gets an I/O error; this replica
            // now differs from its peers for that block and must be rebuilt (docs/operations.md).
            LOG.error("volume {} cannot apply entry {}: {}", layout.volumeId(), at.index(), e.getMessage(), e);
            reply = error(VolumeError.IO_ERROR, e.getMessage());
        }
        updateLastAppliedTermIndex(termIndex);
        return CompletableFuture.completedFuture(Message.valueOf(UnsafeByteOperations.unsafeWrap(reply.toByteArray())));
    }

    /**
     * After a restart Ratis replays its log from its latest snapshot, but the store persists on its
     * own schedule (RocksDB flushes memtables when they fill) and may already hold entries past
     * that snapshot, with the index it reached. Those entries are skipped: applying them again
     * would roll blocks back to older contents until the replay caught up, while reads that only
     * wait for the applied index could already see them.
     */
    private boolean alreadyApplied(long index) {
        return index <= getLastAppliedTermIndex().getIndex();
    }

    @Override
    public void notifyTermIndexUpdated(long term, long index) {
        // Configuration and metadata entries: the same replay, the same rule.
        if (!alreadyApplied(index)) {
            super.notifyTermIndexUpdated(term, index);
        }
    }

    private VolumeReply apply(VolumeCommand command, AppliedIndex at) {
        return switch (command.getCommandCase()) {
            case WRITE -> writer.write(command.getWrite(), meta, at);
            case WRITE_EXTENTS -> writer.write(command.getWriteExtents(), meta, at);
            case ZERO -> writer.zero(command.getZero(), meta, at);
            case FLUSH -> {
                VolumeReply refused = EpochCheck.refuse(command.getFlush().getEpoch(), meta);
                yield refused != null ? refused : BlockWriteExecutor.ok(meta);
            }
            case SET_EPOCH -> setEpoch(command.getSetEpoch(), at);
            case COMMAND_NOT_SET -> error(VolumeError.BAD_REQUEST, "empty volume command at index " + at.index());
        };
    }

    private VolumeReply setEpoch(SetEpoch cmd, AppliedIndex at) {
        if (cmd.getEpoch() > meta.epoch()) {
            VolumeMeta next = new VolumeMeta(cmd.getEpoch(), cmd.getHost());
            VolumeBatch batch = new VolumeBatch(layout.volumeId(), at);
            next.addTo(batch, layout.blockSize());
            store.apply(batch);
            meta = next;
        }
        return BlockWriteExecutor.ok(meta);
    }

    @Override
    public CompletableFuture<Message> query(Message request) {
        try {
            VolumeQuery query = VolumeQuery.parseFrom(request.getContent().asReadOnlyByteBuffer());
            return switch (query.getQueryCase()) {
                case READ -> CompletableFuture.completedFuture(read(query.getRead()));
                case STATUS -> CompletableFuture.completedFuture(Message.valueOf(UnsafeByteOperations.unsafeWrap(
                        VolumeReply.newBuilder().setEpoch(meta.epoch()).setEpochHost(meta.host())
                                .setAppliedIndex(getLastAppliedTermIndex().getIndex()).build().toByteArray())));
                case QUERY_NOT_SET -> CompletableFuture.failedFuture(new IllegalArgumentException("empty volume query"));
            };
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Reads this replica's store as it is now, without asking Ratis. Linearizable only once the
     * caller has confirmed leadership and the applied index after the read arrived (VolumeReplica).
     */
    public ByteBuffer readLocal(long offset, int length) {
        return reader.read(offset, length);
    }

    /** A successful read answers with the raw bytes, no envelope, to save a copy on the hot path. */
    private Message read(ReadBlocks read) {
        ByteBuffer bytes = reader.read(read.getOffset(), read.getLength());
        return Message.valueOf(UnsafeByteOperations.unsafeWrap(bytes));
    }

    @Override
    public long takeSnapshot() throws IOException {
        return snapshots.take(getLastAppliedTermIndex());
    }

    @Override
    public SnapshotInfo getLatestSnapshot() {
        return snapshots.latest();
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return snapshots.storage();
    }

    private static VolumeReply error(VolumeError code, String message) {
        return VolumeReply.newBuilder().setError(code).setMessage(message).build();
    }
}
