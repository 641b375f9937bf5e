package dev.registrycache.node.upstream;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which redirect targets the cache follows; IP literals only, so no name is looked up. */
class RedirectPolicyTest {
    private static final RedirectPolicy LOOPBACK_UPSTREAM =
            new RedirectPolicy(URI.create("http://127.0.0.1:5000"), false);
    private static final RedirectPolicy PUBLIC_UPSTREAM = new RedirectPolicy(URI.create("https://198.51.100.1"), false);
    private static final RedirectPolicy PRIVATE_ALLOWED = new RedirectPolicy(URI.create("https://198.51.100.1"), true);

    @Test
    void followsHttpAndHttpsToPublicAddresses() {
        for (String target :
                List.of("https://203.0.113.7/blobs/x?sig=1", "http://203.0.113.7:8080/", "HTTPS://[2001:db8::7]/")) {
            assertDoesNotThrow(() -> PUBLIC_UPSTREAM.check(URI.create(target)), target);
        }
    }

    @Test
    void refusesEverySchemeButHttpAndHttpsEvenWhenPrivateTargetsAreAllowed() {
        for (String target :
                List.of("file:///etc/passwd", "ftp://203.0.113.7/x", "jar:file:/x.jar!/y", "gopher://203.0.113.7/")) {
            UpstreamException e =
                    assertThrows(UpstreamException.class, () -> PRIVATE_ALLOWED.check(URI.create(target)), target);
            assertEquals(UpstreamException.Kind.REDIRECT_REFUSED, e.kind());
            assertTrue(e.getMessage().contains(URI.create(target).getScheme() + ":"), e.getMessage());
        }
        assertRefused(PRIVATE_ALLOWED, "http:no-host", "without a host");
    }

    @Test
    void refusesLoopbackLinkLocalUnspecifiedAndMulticastAddresses() {
        assertRefused(PUBLIC_UPSTREAM, "http://127.0.0.1/", "loopback");
        assertRefused(PUBLIC_UPSTREAM, "http://127.1.2.3:8080/x", "loopback");
        assertRefused(PUBLIC_UPSTREAM, "http://[::1]/", "loopback");
        assertRefused(PUBLIC_UPSTREAM, "http://[::ffff:127.0.0.1]/", "loopback");
        assertRefused(PUBLIC_UPSTREAM, "http://[::127.0.0.1]/", "loopback");
        assertRefused(PUBLIC_UPSTREAM, "http://169.254.169.254/latest/meta-data/", "link-local");
        assertRefused(PUBLIC_UPSTREAM, "http://[fe80::1]/", "link-local");
        assertRefused(PUBLIC_UPSTREAM, "http://0.0.0.0:5000/", "unspecified");
        assertRefused(PUBLIC_UPSTREAM, "http://[::]/", "unspecified");
        assertRefused(PUBLIC_UPSTREAM, "http://0.1.2.3/", "0.0.0.0/8");
        assertRefused(PUBLIC_UPSTREAM, "http://224.0.0.1/", "multicast");
    }

    @Test
    void refusesAnAddressOfThisHost() throws Exception {
        Optional<InetAddress> own = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                .flatMap(i -> Collections.list(i.getInetAddresses()).stream())
                .filter(a -> !a.isLoopbackAddress() && !a.isLinkLocalAddress())
                .findFirst();
        assertTrue(own.isPresent(), "this test needs a host address besides loopback and link-local ones");
        String host = own.get().getHostAddress().replaceAll("%.*", "");
        String literal = host.contains(":") ? "[" + host + "]" : host;
        assertRefused(PUBLIC_UPSTREAM, "http://" + literal + ":8443/", "own host");
    }

    @Test
    void followsRedirectsToTheUpstreamsOwnHostOnAnyPort() {
        assertDoesNotThrow(() -> LOOPBACK_UPSTREAM.check(URI.create("http://127.0.0.1:9999/cdn/x")));
        assertDoesNotThrow(() -> LOOPBACK_UPSTREAM.check(URI.create("https://127.0.0.1/")));
        // the same address, spelt otherwise
        assertDoesNotThrow(() -> LOOPBACK_UPSTREAM.check(URI.create("http://[::ffff:127.0.0.1]:7000/")));
        assertDoesNotThrow(
                () -> new RedirectPolicy(URI.create("http://[::1]:5000"), false).check(URI.create("http://[::1]:80/")));
        assertRefused(LOOPBACK_UPSTREAM, "http://127.0.0.2:5000/", "loopback");
        assertRefused(LOOPBACK_UPSTREAM, "http://169.254.169.254/", "link-local");
    }

    @Test
    void followsPrivateTargetsWhenAllowed() {
        for (String target : List.of("http://127.0.0.2:5000/", "http://[::1]/", "http://169.254.169.254/")) {
            assertDoesNotThrow(() -> PRIVATE_ALLOWED.check(URI.create(target)), target);
        }
    }

    @Test
    void namesTheTargetButNotItsPathOrQuery() {
        UpstreamException e = assertThrows(
                UpstreamException.class,
                () -> PUBLIC_UPSTREAM.check(URI.create("http://127.0.0.2:4711/secret/path?sig=abc")));
        assertTrue(e.getMessage().contains("http://127.0.0.2:4711,"), e.getMessage());
        assertTrue(!e.getMessage().contains("secret") && !e.getMessage().contains("sig="), e.getMessage());
    }

    private static void assertRefused(RedirectPolicy policy, String target, String reason) {
        UpstreamException e = assertThrows(UpstreamException.class, () -> policy.check(URI.create(target)), target);
        assertEquals(UpstreamException.Kind.REDIRECT_REFUSED, e.kind(), target);
        assertTrue(e.getMessage().contains(reason), target + ": " + e.getMessage());
    }
}
