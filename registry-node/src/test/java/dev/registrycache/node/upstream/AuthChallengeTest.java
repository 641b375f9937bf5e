package dev.registrycache.node.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import org.junit.jupiter.api.Test;

class AuthChallengeTest {
    @Test
    void parsesDockerHubsBearerChallenge() {
        AuthChallenge c = AuthChallenge.parse(
                "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/alpine:pull\"");
        assertTrue(c.isBearer());
        assertEquals("https://auth.docker.io/token", c.param("realm"));
        assertEquals("registry.docker.io", c.param("service"));
        assertEquals("repository:library/alpine:pull", c.param("scope"));
    }

    @Test
    void parsesBasicAndUnquotedParameters() {
        AuthChallenge c = AuthChallenge.parse("Basic realm=Registry Realm, charset=\"UTF-8\"");
        assertTrue(c.isBasic());
        assertEquals("Registry Realm", c.param("realm"));
        assertEquals("UTF-8", c.param("charset"));
        assertNull(AuthChallenge.parse(""));
    }

    @Test
    void credentialsStayWithTheUpstreamsOrigin() {
        URI upstream = URI.create("https://quay.io");
        assertTrue(UpstreamClient.sameOrigin(URI.create("https://quay.io:443/v2/x"), upstream));
        assertFalse(UpstreamClient.sameOrigin(URI.create("https://cdn.quay.io/blob"), upstream));
        assertFalse(UpstreamClient.sameOrigin(URI.create("http://quay.io/v2/x"), upstream));
        assertFalse(UpstreamClient.sameOrigin(URI.create("https://quay.io:8443/v2/x"), upstream));
    }
}
