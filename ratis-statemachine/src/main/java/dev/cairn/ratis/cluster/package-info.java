/**
 * The cluster group's state machine: nodes, volumes, replica sets and attachments, changed only by
 * commands in its log. The state is one immutable {@code ClusterSnapshot} value replaced per command.
 *
 * <p>Command executors are pure functions of (state, command): no clock (the proposer stamps the
 * time), no I/O, no Ratis types.
 */
package dev.cairn.ratis.cluster;
