package dev.registrycache.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.registrycache.common.oci.ErrorCode;
import dev.registrycache.common.oci.RegistryException;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RoutesTest {
    private final Routes routes = new Routes(Map.of(
            "quay.io",
            URI.create("http://127.0.0.1:5001"),
            "docker.io",
            URI.create("http://127.0.0.1:5002"),
            "registry.local_5000",
            URI.create("http://127.0.0.1:5003")));

    @Test
    void routesByTheFirstComponent() {
        Routes.Target t = routes.resolve("/v2/quay.io/podman/hello/manifests/latest", null);
        assertEquals("http://127.0.0.1:5001", t.node().toString());
        assertEquals("/v2/quay.io/podman/hello/manifests/latest", t.pathAndQuery());
        assertEquals(
                "/v2/registry.local_5000/a/tags/list?n=10",
                routes.resolve("/v2/registry.local_5000/a/tags/list", "n=10").pathAndQuery());
    }

    @Test
    void routesTheMirrorFormAsIfThePathHadThePrefix() {
        Routes.Target t = routes.resolve("/v2/library/alpine/manifests/3", "ns=docker.io");
        assertEquals("http://127.0.0.1:5002", t.node().toString());
        assertEquals("/v2/docker.io/library/alpine/manifests/3", t.pathAndQuery());
        assertEquals(
                "/v2/registry.local_5000/team/app/blobs/x?a=b",
                routes.resolve("/v2/team/app/blobs/x", "a=b&ns=registry.local%3A5000")
                        .pathAndQuery());
        assertEquals(
                "/v2/docker.io/library/alpine/manifests/3",
                routes.resolve("/v2/library/alpine/manifests/3", "ns=index.docker.io")
                        .pathAndQuery());
    }

    @Test
    void unknownRegistriesAreNameUnknown() {
        assertEquals(
                ErrorCode.NAME_UNKNOWN,
                assertThrows(RegistryException.class, () -> routes.resolve("/v2/ghcr.io/a/manifests/x", null))
                        .code());
        assertEquals(
                ErrorCode.NAME_UNKNOWN,
                assertThrows(RegistryException.class, () -> routes.resolve("/v2/a/manifests/x", "ns=ghcr.io"))
                        .code());
        assertEquals(
                ErrorCode.NAME_UNKNOWN,
                assertThrows(RegistryException.class, () -> routes.resolve("/v2/a/manifests/x", "ns=not%20a%20host"))
                        .code());
    }
}
