/**
 * A volume's Raft group: {@link dev.cairn.ratis.volume.VolumeStateMachine} translates log entries into
 * executor calls, and the executors turn block commands into chunk-store batches.
 *
 * <p>Executors hold no Ratis types and never read a clock: the same log gives the same blocks everywhere.
 */
package dev.cairn.ratis.volume;
