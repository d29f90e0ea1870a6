package dev.cairn.placement;

import java.util.List;

/** The answer to "where do the replicas go": nodes in order, or why not and what to do. */
public sealed interface PlacementResult {

    /** The chosen nodes; the first is where the primary should start. */
    record Placed(List<String> nodes) implements PlacementResult {
        public Placed {
            nodes = List.copyOf(nodes);
        }
    }

    /** No placement fits: the reason names the numbers, the hint what the user can change. */
    record Unplaceable(String reason, String hint) implements PlacementResult {
    }
}
