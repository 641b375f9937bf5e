package dev.registrycache.node.upstream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.testsupport.TestClock;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How often the WARN about a refused pull secret comes: the lines themselves are checked by PullSecretRefusedE2ETest. */
class PullSecretWarningsTest {
    private final TestClock clock = new TestClock(Instant.parse("2026-12-05T08:00:00Z"));
    private final PullSecretWarnings warnings =
            new PullSecretWarnings("quay.io", URI.create("https://quay.io"), true, Optional.empty(), clock);

    @Test
    void warnsOncePerMinuteForEachKindOfRefusal() {
        assertTrue(warnings.due(PullSecretWarnings.Refusal.CREDENTIALS_REFUSED, clock.instant()));
        assertFalse(warnings.due(PullSecretWarnings.Refusal.CREDENTIALS_REFUSED, clock.instant()));
        assertTrue(
                warnings.due(PullSecretWarnings.Refusal.TOKEN_REFUSED, clock.instant()),
                "another kind of refusal has its own turn");

        clock.advance(Duration.ofSeconds(59));
        assertFalse(warnings.due(PullSecretWarnings.Refusal.CREDENTIALS_REFUSED, clock.instant()));
        clock.advance(Duration.ofSeconds(1));
        assertTrue(warnings.due(PullSecretWarnings.Refusal.CREDENTIALS_REFUSED, clock.instant()));
        assertFalse(warnings.due(PullSecretWarnings.Refusal.CREDENTIALS_REFUSED, clock.instant()));
    }
}
