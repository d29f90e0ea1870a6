package dev.cairn.ratis.volume;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import dev.cairn.ratis.proto.Extent;
import dev.cairn.ratis.proto.JournaledExtent;
import dev.cairn.ratis.proto.JournaledWrite;
import dev.cairn.ratis.proto.VolumeCommand;
import dev.cairn.ratis.proto.WriteExtents;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Splits a large write entry into the part for the Raft log and the part for the journal
 * (docs/adr/0003-header-in-log.md): the header names each extent's volume range and where its
 * bytes lie in the original command, which becomes the journal record unchanged.
 */
final class JournaledWrites {
    private static final int WRITE_EXTENTS_TAG =
            VolumeCommand.WRITE_EXTENTS_FIELD_NUMBER << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;

    private JournaledWrites() {
    }

    /**
     * The header of a {@link VolumeCommand} holding one {@link WriteExtents} and nothing else, or
     * null for any other command (or bytes that do not parse), which then stays whole in the log.
     */
    static JournaledWrite header(ByteBuffer command) {
        try {
            CodedInputStream in = CodedInputStream.newInstance(command.duplicate());
            if (in.readTag() != WRITE_EXTENTS_TAG) {
                return null;
            }
            int length = in.readRawVarint32();
            int end = in.getTotalBytesRead() + length;
            if (end != command.remaining()) {
                return null;
            }
            JournaledWrite.Builder header = JournaledWrite.newBuilder();
            while (in.getTotalBytesRead() < end) {
                int tag = in.readTag();
                switch (WireFormat.getTagFieldNumber(tag)) {
                    case WriteExtents.EPOCH_FIELD_NUMBER -> header.setEpoch(in.readUInt64());
                    case WriteExtents.EXTENTS_FIELD_NUMBER -> header.addExtents(extent(in));
                    default -> in.skipField(tag);
                }
            }
            return in.getTotalBytesRead() == end ? header.build() : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static JournaledExtent extent(CodedInputStream in) throws IOException {
        int end = in.getTotalBytesRead() + in.readRawVarint32();
        JournaledExtent.Builder extent = JournaledExtent.newBuilder();
        while (in.getTotalBytesRead() < end) {
            int tag = in.readTag();
            switch (WireFormat.getTagFieldNumber(tag)) {
                case Extent.OFFSET_FIELD_NUMBER -> extent.setOffset(in.readUInt64());
                case Extent.DATA_FIELD_NUMBER -> {
                    int length = in.readRawVarint32();
                    extent.setLength(length).setPosition(in.getTotalBytesRead());
                    in.skipRawBytes(length);
                }
                default -> in.skipField(tag);
            }
        }
        return extent.build();
    }
}
