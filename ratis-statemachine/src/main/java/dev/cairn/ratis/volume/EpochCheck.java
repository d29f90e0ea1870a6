package dev.cairn.ratis.volume;

import dev.cairn.ratis.proto.VolumeError;
import dev.cairn.ratis.proto.VolumeReply;

/**
 * Fencing: a command from an attachment older than the volume's current one is refused, so a host
 * that lost the volume to a forced attach cannot change it (the TiKV region-epoch rule).
 */
final class EpochCheck {
    private EpochCheck() {
    }

    /** The refusal for a command carrying {@code epoch}, or null if the command may proceed. */
    static VolumeReply refuse(long epoch, VolumeMeta meta) {
        if (epoch >= meta.epoch()) {
            return null;
        }
        return VolumeReply.newBuilder()
                .setError(VolumeError.FENCED)
                .setEpoch(meta.epoch())
                .setEpochHost(meta.host())
                .setMessage("attachment epoch " + epoch + " is stale: the volume is attached to '" + meta.host()
                        + "' with epoch " + meta.epoch())
                .build();
    }
}
