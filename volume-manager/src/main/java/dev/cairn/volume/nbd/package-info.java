/**
 * The NBD server (NetworkBlockDevice/nbd doc/proto.md): fixed newstyle handshake, option haggling,
 * and the transmission phase with many requests in flight, on Netty as decoder → handler → replies.
 *
 * <p>It knows volumes only as {@link dev.cairn.volume.nbd.BlockDevice}s found in an
 * {@link dev.cairn.volume.nbd.ExportRegistry}: no Raft, no chunk store here.
 */
package dev.cairn.volume.nbd;
