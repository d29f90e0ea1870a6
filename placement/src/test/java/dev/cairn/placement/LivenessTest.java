package dev.cairn.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LivenessTest {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @ParameterizedTest(name = "heartbeat {0} ms ago -> {1}")
    @CsvSource({"0, UP", "4999, UP", "5000, SUSPECT", "9999, SUSPECT", "10000, DOWN", "600000, DOWN", "-100, UP"})
    void boundariesBelongToTheWorseState(long ageMs, Liveness expected) {
        assertEquals(expected, Liveness.of(T0, T0.plusMillis(ageMs), Duration.ofSeconds(5), Duration.ofSeconds(10)));
    }

    @org.junit.jupiter.api.Test
    void suspectAfterDownIsAMistake() {
        assertThrows(IllegalArgumentException.class, () -> Liveness.of(T0, T0, Duration.ofSeconds(11), Duration.ofSeconds(10)));
    }
}
