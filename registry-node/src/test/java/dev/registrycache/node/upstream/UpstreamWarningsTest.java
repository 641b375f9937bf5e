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
class UpstreamWarningsTest {
    private final TestClock clock = new TestClock(Instant.parse("2026-12-05T08:00:00Z"));
    private final UpstreamWarnings warnings =
            new UpstreamWarnings("quay.io", URI.create("https://quay.io"), true, Optional.empty(), clock);

    @Test
    void warnsOncePerMinuteForEachKindOfTrouble() {
        assertTrue(warnings.due(UpstreamWarnings.Trouble.CREDENTIALS_REFUSED, clock.instant()));
        assertFalse(warnings.due(UpstreamWarnings.Trouble.CREDENTIALS_REFUSED, clock.instant()));
        assertTrue(
                warnings.due(UpstreamWarnings.Trouble.TOKEN_REFUSED, clock.instant()),
                "another kind of trouble has its own turn");

        clock.advance(Duration.ofSeconds(59));
        assertFalse(warnings.due(UpstreamWarnings.Trouble.CREDENTIALS_REFUSED, clock.instant()));
        clock.advance(Duration.ofSeconds(1));
        assertTrue(warnings.due(UpstreamWarnings.Trouble.CREDENTIALS_REFUSED, clock.instant()));
        assertFalse(warnings.due(UpstreamWarnings.Trouble.CREDENTIALS_REFUSED, clock.instant()));
    }
}
