package dev.registrycache.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.registrycache.common.oci.ErrorCode;
import dev.registrycache.common.oci.RegistryException;
import dev.registrycache.common.oci.RegistryHost;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RoutesTest {
    private static final Map<String, URI> NODES = Map.of(
            "quay.io",
            URI.create("http://127.0.0.1:5001"),
            "docker.io",
            URI.create("http://127.0.0.1:5002"),
            "registry.local_5000",
            URI.create("http://127.0.0.1:5003"));
    private final Routes routes = new Routes(NODES, Optional.empty());
    private final Routes withDefault = new Routes(NODES, Optional.of(RegistryHost.fromKey("docker.io")));

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
    void namesWithoutARegistryPrefixGoToTheDefaultRegistry() {
        // what Docker Engine asks a registry-mirrors entry for
        Routes.Target t = withDefault.resolve("/v2/library/alpine/manifests/latest", null);
        assertEquals("docker.io", t.prefix());
        assertEquals("http://127.0.0.1:5002", t.node().toString());
        assertEquals("/v2/docker.io/library/alpine/manifests/latest", t.pathAndQuery());
        assertEquals("docker.io/library/alpine", t.route().name().toString());
        assertEquals(
                "/v2/docker.io/team/app/tags/list?n=5",
                withDefault.resolve("/v2/team/app/tags/list", "n=5").pathAndQuery());
        assertEquals(
                "/v2/docker.io/alpine/blobs/sha256:" + "a".repeat(64),
                withDefault
                        .resolve("/v2/alpine/blobs/sha256:" + "a".repeat(64), null)
                        .pathAndQuery());
        // a served prefix and the mirror form come first
        assertEquals(
                "/v2/quay.io/podman/hello/manifests/1",
                withDefault
                        .resolve("/v2/quay.io/podman/hello/manifests/1", null)
                        .pathAndQuery());
        assertEquals(
                "/v2/registry.local_5000/library/x/manifests/1",
                withDefault
                        .resolve("/v2/library/x/manifests/1", "ns=registry.local:5000")
                        .pathAndQuery());
        // without a default registry such a name is an unknown registry, as before
        assertThrows(RegistryException.class, () -> routes.resolve("/v2/library/alpine/manifests/latest", null));
    }

    @Test
    void aFirstComponentThatNamesAHostIsNeverADockerHubRepository() {
        for (String path : new String[] {
            "/v2/ghcr.io/a/manifests/x", "/v2/localhost/a/manifests/x", "/v2/registry.local:5000/a/manifests/x"
        }) {
            assertEquals(
                    ErrorCode.NAME_UNKNOWN,
                    assertThrows(RegistryException.class, () -> withDefault.resolve(path, null))
                            .code(),
                    path);
        }
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
