package dev.cairn.ratis.volume;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.cairn.chunkstore.AppliedIndex;
import dev.cairn.chunkstore.ChunkStore;
import dev.cairn.chunkstore.ChunkStoreException;
import dev.cairn.chunkstore.VolumeBatch;
import dev.cairn.ratis.proto.JournaledWrite;
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
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
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
 *
 * <p>Large writes (docs/adr/0003-header-in-log.md): a write entry of at least
 * {@code journalFromBytes} is split when the leader starts it: the log gets a {@link JournaledWrite}
 * header, and the command's bytes travel as the entry's state machine data, which Ratis hands to
 * {@link #write(LogEntryProto)} on every replica (appended to the volume's journal in the chunk
 * store) and asks {@link #flush(long)} to make durable before it syncs and acknowledges the log
 * ({@code raft.server.log.statemachine.data.sync}, on by default). Ratis waits for
 * {@code write} before it writes the header to its log, so after a process crash the log never
 * holds an entry whose record is not in the journal. Apply points the blocks at the record.
 */
public final class VolumeStateMachine extends BaseStateMachine {
    private static final Logger LOG = LoggerFactory.getLogger(VolumeStateMachine.class);

    private final VolumeLayout layout;
    private final ChunkStore store;
    private final BlockWriteExecutor writer;
    private final BlockReadExecutor reader;
    private final VolumeSnapshots snapshots;
    private final int journalFromBytes;
    private volatile VolumeMeta meta = VolumeMeta.INITIAL;
    private volatile boolean journalWritten;

    /**
     * @param journalFromBytes write entries of at least this many bytes keep their data out of the
     *                         log, in the journal; 0 never splits an entry
     */
    public VolumeStateMachine(VolumeLayout layout, ChunkStore store, int journalFromBytes) {
        this.layout = layout;
        this.store = store;
        this.journalFromBytes = journalFromBytes;
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
    public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
        ByteString content = request.getMessage().getContent();
        if (journalFromBytes <= 0 || content.size() < journalFromBytes) {
            return super.startTransaction(request);
        }
        JournaledWrite header = JournaledWrites.header(content.asReadOnlyByteBuffer());
        if (header == null) {
            return super.startTransaction(request);
        }
        return TransactionContext.newBuilder().setStateMachine(this).setClientRequest(request)
                .setLogData(UnsafeByteOperations.unsafeWrap(VolumeCommand.newBuilder().setJournaledWrite(header).build().toByteArray()))
                .setStateMachineData(content)
                .build();
    }

    /** Appends a split entry's data to the journal, on every replica, before Ratis logs its header. */
    @Override
    public CompletableFuture<?> write(LogEntryProto entry) {
        ByteString data = entry.getStateMachineLogEntry().getStateMachineEntry().getStateMachineData();
        if (data.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        try {
            store.journalAppend(layout.volumeId(), entry.getIndex(), entry.getTerm(), data.asReadOnlyByteBuffer());
            journalWritten = true;
            return CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
            LOG.error("volume {}: cannot journal entry {}: {}", layout.volumeId(), entry.getIndex(), e.getMessage(), e);
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletableFuture<Void> flush(long logIndex) {
        if (!journalWritten) {
            return CompletableFuture.completedFuture(null); // nothing appended since this replica started
        }
        try {
            store.journalSync(layout.volumeId());
            return CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** A split entry's data, for Ratis to send it to a follower: the leader's own copy while it has it, else the journal. */
    @Override
    public CompletableFuture<ByteString> read(LogEntryProto entry, TransactionContext context) {
        if (context != null && context.getStateMachineLogEntry() != null) {
            ByteString data = context.getStateMachineLogEntry().getStateMachineEntry().getStateMachineData();
            if (!data.isEmpty()) {
                return CompletableFuture.completedFuture(data);
            }
        }
        try {
            ByteBuffer record = store.journalRead(layout.volumeId(), entry.getIndex(), entry.getTerm());
            if (record == null) {
                return CompletableFuture.failedFuture(new IOException("volume " + layout.volumeId() + ": the journal has no record "
                        + entry.getIndex() + " of term " + entry.getTerm()));
            }
            return CompletableFuture.completedFuture(UnsafeByteOperations.unsafeWrap(record));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletableFuture<ByteString> read(LogEntryProto entry) {
        return read(entry, null);
    }

    /** Ratis dropped its log from {@code index} on (a new leader's log differs): drop the same records. */
    @Override
    public CompletableFuture<Void> truncate(long index) {
        try {
            store.journalTruncateAfter(layout.volumeId(), index - 1);
            return CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
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
            case JOURNALED_WRITE -> writer.write(command.getJournaledWrite(), meta, at);
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
        long index = snapshots.take(getLastAppliedTermIndex());
        cleanJournal();
        return index;
    }

    /**
     * Frees journal segments Ratis can no longer ask for (records before its log's first index),
     * on the apply thread, after a snapshot (when Ratis purges its log).
     */
    private void cleanJournal() {
        try {
            long logStart = getServer().get().getDivision(getGroupId()).getRaftLog().getStartIndex();
            store.cleanJournal(layout.volumeId(), logStart); // logs what it did
        } catch (IOException | RuntimeException e) {
            LOG.warn("volume {}: journal cleaning failed, will retry at the next snapshot: {}", layout.volumeId(), e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            LOG.warn("volume {}: journal cleaning skipped: {}", layout.volumeId(), e.getMessage());
        }
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
