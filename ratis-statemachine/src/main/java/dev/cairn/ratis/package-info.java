/**
 * The node's Raft host: one Ratis server carrying the cluster group and every local volume group,
 * behind a Ratis-free facade ({@link dev.cairn.ratis.RaftHost}) that the volume manager drives.
 *
 * <p>This module is the only place {@code org.apache.ratis} may be imported (enforced by the build).
 */
package dev.cairn.ratis;
