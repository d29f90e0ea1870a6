package dev.cairn.ratis;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import dev.cairn.ratis.proto.VolumeCommand;
import dev.cairn.ratis.proto.WriteBlocks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * Encodes the hot-path volume entries straight into one array, copying the block payload once.
 * The bytes are exactly what {@link VolumeCommand} with a {@link WriteBlocks} would produce.
 */
final class VolumeEntries {
    private VolumeEntries() {
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
}
