package dev.cairn.placement;

/**
 * Where the primary of an attached volume should be.
 *
 * @param primary the replica that should lead now
 * @param local   true if that replica is on the attaching host (primary locality); false means the
 *                host reaches the primary over the network
 * @param reason  one sentence for logs and status output
 */
public record PrimaryDecision(String primary, boolean local, String reason) {
}
