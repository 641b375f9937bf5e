package dev.registrycache.node.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.settings.Credentials;
import java.net.URI;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which token realms may have the pull secret's credentials; names only, nothing is looked up. */
class TokenRealmPolicyTest {
    private static final Optional<Credentials> ROBOT = Optional.of(new Credentials("robot", "s3cret"));

    @ParameterizedTest(name = "{0} -> {1}: {2}")
    @CsvSource({
        // the public registries' own realms
        "https://registry-1.docker.io,           https://auth.docker.io/token,                     true",
        "https://quay.io,                        https://quay.io/v2/auth,                          true",
        "https://registry.redhat.io,             https://registry.redhat.io/auth/realms/rhcc/protocol/redhat-docker-v2/auth, true",
        "https://ghcr.io,                        https://ghcr.io/token,                            true",
        "https://gcr.io,                         https://gcr.io/v2/token,                          true",
        "https://europe-docker.pkg.dev,          https://europe-docker.pkg.dev/v2/token,           true",
        "https://registry.gitlab.com,            https://gitlab.com/jwt/auth,                      true",
        // the same host on another port, spelt otherwise, or upgraded to https
        "http://127.0.0.1:5000,                  http://127.0.0.1:5001/token,                      true",
        "https://registry.example.com,           https://registry.example.com:8443/token,          true",
        "https://Registry.Example.com,           https://registry.example.com./token,              true",
        "http://127.0.0.1:5000,                  https://127.0.0.1/token,                          true",
        "http://[::1]:5000,                      http://[::1]:5001/token,                          true",
        "http://127.0.0.1:5000,                  http://[::ffff:127.0.0.1]:5001/token,             true",
        "https://registry.co.uk,                 https://auth.registry.co.uk/token,                true",
        // an IP address matches only itself, and a name is not its address
        "http://127.0.0.1:5000,                  http://localhost:5001/token,                      false",
        "http://localhost:5000,                  http://127.0.0.1:5001/token,                      false",
        "http://127.0.0.1:5000,                  http://127.0.0.2:5000/token,                      false",
        "https://10.0.0.5,                       https://10.0.0.6/token,                           false",
        // never plain HTTP from an HTTPS upstream, nor another scheme
        "https://registry.example.com,           http://registry.example.com/token,                false",
        "https://registry-1.docker.io,           http://auth.docker.io/token,                      false",
        "https://registry.example.com,           ftp://registry.example.com/token,                 false",
        // other registrable domains, however they are dressed up
        "https://registry.example.com,           https://evil.org/token,                           false",
        "https://registry.co.uk,                 https://evil.co.uk/token,                         false",
        "https://a.co.uk,                        https://b.co.uk/token,                            false",
        "https://registry.example.com,           https://registry.example.com.evil.org/token,      false",
        "https://registry.example.com,           https://registry.example.com@evil.org/token,      false",
        "https://registry.example.com,           https://example.com.evil/token,                   false",
        "https://me.herokuapp.com,               https://evil.herokuapp.com/token,                 false",
        "https://me.github.io,                   https://evil.github.io/token,                     false",
        // a name under no public suffix matches only itself
        "https://registry.corp,                  https://auth.corp/token,                          false",
        "https://registry.example.com,           /token,                                           false",
        "https://registry.example.com,           //registry.example.com/token,                     false",
    })
    void sendsCredentialsOnlyToARealmOnTheUpstreamsHostOrDomain(String upstream, String realm, boolean allowed) {
        TokenRealmPolicy policy = new TokenRealmPolicy("quay.io", URI.create(upstream), Set.of());
        assertEquals(
                allowed,
                policy.objection(URI.create(realm)).isEmpty(),
                String.valueOf(policy.objection(URI.create(realm))));
        assertEquals(allowed ? ROBOT : Optional.empty(), policy.credentialsFor(URI.create(realm), ROBOT));
    }

    @ParameterizedTest(name = "{0} -> {1}: {2}")
    @CsvSource({
        "https://nvcr.io,        https://authn.nvidia.com/token,       true",
        "https://nvcr.io,        https://AUTHN.nvidia.com:444/token,   true",
        "http://127.0.0.1:5000,  http://[::1]:5001/token,              true",
        "https://nvcr.io,        https://other.nvidia.com/token,       false",
        "https://nvcr.io,        https://x.authn.nvidia.com/token,     false",
        "https://nvcr.io,        http://authn.nvidia.com/token,        false",
    })
    void sendsCredentialsToTheHostsTheOperatorTrustsToo(String upstream, String realm, boolean allowed) {
        TokenRealmPolicy policy =
                new TokenRealmPolicy("nvcr.io", URI.create(upstream), Set.of("authn.nvidia.com", "[::1]"));
        assertEquals(
                allowed,
                policy.objection(URI.create(realm)).isEmpty(),
                String.valueOf(policy.objection(URI.create(realm))));
    }

    @ParameterizedTest
    @CsvSource({"http://localhost:5001/token", "https://127.0.0.1/token"})
    void anAnonymousNodeStaysAnonymous(String realm) {
        TokenRealmPolicy policy = new TokenRealmPolicy("quay.io", URI.create("http://127.0.0.1:5000"), Set.of());
        assertTrue(policy.credentialsFor(URI.create(realm), Optional.empty()).isEmpty());
    }
}
