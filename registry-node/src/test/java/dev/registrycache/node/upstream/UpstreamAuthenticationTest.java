package dev.registrycache.node.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.settings.Credentials;
import java.net.URI;
import java.time.Clock;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The choice of scheme; the token exchange itself is covered end to end by UpstreamAuthE2ETest. */
class UpstreamAuthenticationTest {
    private static final Credentials ALICE = new Credentials("alice", "secret");
    private static final String SCOPE = "repository:team/app:pull";
    private static final AuthChallenge BASIC = AuthChallenge.parse("Basic realm=\"upstream\"");
    private static final AuthChallenge BEARER = AuthChallenge.parse("Bearer realm=\"http://127.0.0.1:1/token\"");

    private static UpstreamAuthentication auth(Optional<Credentials> credentials) {
        TokenRealmPolicy realms = new TokenRealmPolicy("quay.io", URI.create("http://127.0.0.1:5000"), Set.of());
        UpstreamWarnings warnings = new UpstreamWarnings(
                "quay.io",
                URI.create("http://127.0.0.1:5000"),
                credentials.isPresent(),
                Optional.empty(),
                Clock.systemUTC());
        return new UpstreamAuthentication(
                credentials,
                realms,
                (uri, authorization) -> {
                    throw UpstreamException.unreachable("no token server in this test", null);
                },
                warnings);
    }

    @Test
    void sendsNothingUntilChallenged() {
        assertNull(auth(Optional.of(ALICE)).authorization(SCOPE));
    }

    @Test
    void aBasicChallengeToARequestWithoutTheCredentialsIsRetriedWithThem() throws Exception {
        UpstreamAuthentication auth = auth(Optional.of(ALICE));
        assertTrue(auth.answer(BASIC, SCOPE, null));
        assertEquals(ALICE.basicHeaderValue(), auth.authorization(SCOPE));
        assertTrue(auth.answer(BASIC, SCOPE, "Bearer stale"), "another request switched meanwhile: still retried");
        assertFalse(auth.answer(BASIC, SCOPE, ALICE.basicHeaderValue()), "the credentials themselves were refused");
    }

    @Test
    void withoutCredentialsABasicChallengeIsTheAnswer() throws Exception {
        UpstreamAuthentication auth = auth(Optional.empty());
        assertFalse(auth.answer(BASIC, SCOPE, null));
        assertFalse(auth.answer(null, SCOPE, null));
        assertNull(auth.authorization(SCOPE));
    }

    @Test
    void basicStaysChosenOnceTheUpstreamAskedForIt() throws Exception {
        UpstreamAuthentication auth = auth(Optional.of(ALICE));
        auth.answer(BASIC, SCOPE, null);
        assertThrows(UpstreamException.class, () -> auth.answer(BEARER, SCOPE, ALICE.basicHeaderValue()));
        assertEquals(ALICE.basicHeaderValue(), auth.authorization(SCOPE));
    }

    @Test
    void aBearerChallengeWithoutRealmIsAnInvalidResponse() {
        UpstreamAuthentication auth = auth(Optional.of(ALICE));
        UpstreamException e = assertThrows(
                UpstreamException.class, () -> auth.answer(AuthChallenge.parse("Bearer service=\"x\""), SCOPE, null));
        assertEquals(UpstreamException.Kind.INVALID_RESPONSE, e.kind());
        assertNull(auth.authorization(SCOPE), "no token for the scope: sent without one");
    }
}
