package dev.cairn.ratis;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import dev.cairn.ratis.proto.Extent;
import dev.cairn.ratis.proto.VolumeCommand;
import dev.cairn.ratis.proto.WriteExtents;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Encodes the hot-path volume entry straight into one array, copying each block payload once: the
 * bytes of a {@link VolumeCommand} with a {@link WriteExtents}, one extent for a lone write.
 * ({@link dev.cairn.ratis.proto.WriteBlocks} entries are still applied, for logs written before.)
 */
final class VolumeEntries {
    private VolumeEntries() {
    }

    /** One write at a byte offset. */
    record Write(long offset, ByteBuffer data) {
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
