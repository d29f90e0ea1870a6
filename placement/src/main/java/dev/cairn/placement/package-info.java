/**
 * Placement: pure decisions over immutable records: which nodes hold a new volume's replicas,
 * where to re-replicate after a node is lost, which replica should be primary for an attachment,
 * and a node's liveness from its last heartbeat.
 *
 * <p>No clock, sockets, threads, Ratis or anything else of Cairn: time is an input, and the same
 * input gives the same answer in any order (ties are broken by node id).
 */
package dev.cairn.placement;
