package dev.cairn.ratis;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import dev.cairn.ratis.proto.Extent;
import dev.cairn.ratis.proto.VolumeCommand;
import dev.cairn.ratis.proto.WriteBlocks;
import dev.cairn.ratis.proto.WriteExtents;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Encodes the hot-path volume entries straight into one array, copying each block payload once.
 * The bytes are exactly what {@link VolumeCommand} with a {@link WriteBlocks} or
 * {@link WriteExtents} would produce.
 */
final class VolumeEntries {
    private VolumeEntries() {
    }

    /** One write at a byte offset. */
    record Write(long offset, ByteBuffer data) {
    }

    static byte[] write(long epoch, long offset, ByteBuffer data) {
        int length = data.remaining();
        int inner = CodedOutputStream.computeUInt64Size(WriteBlocks.EPOCH_FIELD_NUMBER, epoch)
                + CodedOutputStream.computeUInt64Size(WriteBlocks.OFFSET_FIELD_NUMBER, offset)
                + CodedOutputStream.computeTagSize(WriteBlocks.DATA_FIELD_NUMBER)
                + CodedOutputStream.computeUInt32SizeNoTag(length) + length;
        int total = CodedOutputStream.computeTagSize(VolumeCommand.WRITE_FIELD_NUMBER)
                + CodedOutputStream.computeUInt32SizeNoTag(inner) + inner;
        byte[] out = new byte[total];
        CodedOutputStream cos = CodedOutputStream.newInstance(out);
        try {
            cos.writeTag(VolumeCommand.WRITE_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            cos.writeUInt32NoTag(inner);
            cos.writeUInt64(WriteBlocks.EPOCH_FIELD_NUMBER, epoch);
            cos.writeUInt64(WriteBlocks.OFFSET_FIELD_NUMBER, offset);
            cos.writeTag(WriteBlocks.DATA_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            cos.writeUInt32NoTag(length);
            cos.writeRawBytes(data.duplicate());
            cos.checkNoSpaceLeft();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Several writes, applied in this order, as one entry. */
    static byte[] writeExtents(long epoch, List<Write> writes) {
        int inner = CodedOutputStream.computeUInt64Size(WriteExtents.EPOCH_FIELD_NUMBER, epoch);
        int[] extentSizes = new int[writes.size()];
        for (int i = 0; i < writes.size(); i++) {
            Write w = writes.get(i);
            int length = w.data().remaining();
            extentSizes[i] = CodedOutputStream.computeUInt64Size(Extent.OFFSET_FIELD_NUMBER, w.offset())
                    + CodedOutputStream.computeTagSize(Extent.DATA_FIELD_NUMBER)
                    + CodedOutputStream.computeUInt32SizeNoTag(length) + length;
            inner += CodedOutputStream.computeTagSize(WriteExtents.EXTENTS_FIELD_NUMBER)
                    + CodedOutputStream.computeUInt32SizeNoTag(extentSizes[i]) + extentSizes[i];
        }
        int total = CodedOutputStream.computeTagSize(VolumeCommand.WRITE_EXTENTS_FIELD_NUMBER)
                + CodedOutputStream.computeUInt32SizeNoTag(inner) + inner;
        byte[] out = new byte[total];
        CodedOutputStream cos = CodedOutputStream.newInstance(out);
        try {
            cos.writeTag(VolumeCommand.WRITE_EXTENTS_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            cos.writeUInt32NoTag(inner);
            cos.writeUInt64(WriteExtents.EPOCH_FIELD_NUMBER, epoch);
            for (int i = 0; i < writes.size(); i++) {
                Write w = writes.get(i);
                cos.writeTag(WriteExtents.EXTENTS_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
                cos.writeUInt32NoTag(extentSizes[i]);
                cos.writeUInt64(Extent.OFFSET_FIELD_NUMBER, w.offset());
                cos.writeTag(Extent.DATA_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
                cos.writeUInt32NoTag(w.data().remaining());
                cos.writeRawBytes(w.data().duplicate());
            }
            cos.checkNoSpaceLeft();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
