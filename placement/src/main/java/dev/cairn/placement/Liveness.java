package dev.cairn.placement;

import java.time.Duration;
import java.time.Instant;

/** A node's liveness as the cluster sees it from heartbeats. */
public enum Liveness {
    UP, SUSPECT, DOWN;

    /**
     * UP while the last heartbeat is younger than {@code suspectAfter}, SUSPECT until it is
     * {@code downAfter} old, DOWN from then on (boundaries belong to the worse state).
     */
    public static Liveness of(Instant lastHeartbeat, Instant now, Duration suspectAfter, Duration downAfter) {
        if (suspectAfter.compareTo(downAfter) > 0) {
            throw new IllegalArgumentException("suspectAfter " + suspectAfter + " is after downAfter " + downAfter);
        }
        Duration age = Duration.between(lastHeartbeat, now);
        if (age.compareTo(downAfter) >= 0) {
            return DOWN;
        }
        return age.compareTo(suspectAfter) >= 0 ? SUSPECT : UP;
    }
}
