package dev.registrycache.common.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.registrycache.common.oci.ErrorCode;
import dev.registrycache.common.oci.RegistryException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ApiRouteTest {
    private static final String D = "sha256:28490acdbdfe37ef27ba0a49bca5ba9724f44f134f88f8079724780349ce7286";

    @Test
    void parsesEveryPullRoute() {
        assertEquals(ApiRoute.Kind.BASE, ApiRoute.parse("/v2/").kind());
        ApiRoute m = ApiRoute.parse("/v2/quay.io/podman/hello/manifests/latest");
        assertEquals("quay.io/podman/hello", m.name().toString());
        assertEquals("latest", m.reference().toString());
        ApiRoute md = ApiRoute.parse("/v2/quay.io/podman/hello/manifests/" + D);
        assertEquals(D, md.reference().digest().toString());
        ApiRoute b = ApiRoute.parse("/v2/quay.io/a/blobs/" + D);
        assertEquals(ApiRoute.Kind.BLOB, b.kind());
        assertEquals(D, b.digest().toString());
        ApiRoute t = ApiRoute.parse("/v2/quay.io/a/b/tags/list");
        assertEquals(ApiRoute.Kind.TAGS, t.kind());
        assertEquals("quay.io/a/b", t.name().toString());
    }

    @Test
    void repositoriesMayBeNamedLikeRouteWords() {
        ApiRoute m = ApiRoute.parse("/v2/quay.io/blobs/manifests/x/manifests/v1");
        assertEquals("quay.io/blobs/manifests/x", m.name().toString());
        assertEquals("v1", m.reference().toString());
    }

    @ParameterizedTest
    @CsvSource({
        "/v2/quay.io/../etc/manifests/latest, NAME_INVALID",
        "/v2/quay.io/%2e%2e/etc/manifests/latest, NAME_INVALID",
        "/v2/quay.io/a/manifests/..%2f..%2fx, NAME_INVALID",
        "/v2/quay.io//a/manifests/latest, NAME_INVALID",
        "/v2/Quay.io/a/manifests/latest, NAME_INVALID",
        "/v2/quay.io/a/manifests/sha256:abc, DIGEST_INVALID",
        "/v2/quay.io/a/manifests/.hidden, MANIFEST_INVALID",
        "/v2/quay.io/a/blobs/sha256:zz, DIGEST_INVALID",
        "/v2/quay.io/a/blobs/latest, DIGEST_INVALID",
        "/v2/quay.io/a/blobs/uploads/, UNSUPPORTED",
        "/v2/quay.io/a, NOT_FOUND",
        "/etc/passwd, NOT_FOUND",
        "/v2/_catalog, NOT_FOUND",
    })
    void refusesBadPathsWithTheRightCode(String path, ErrorCode code) {
        RegistryException e = assertThrows(RegistryException.class, () -> ApiRoute.parse(path));
        assertEquals(code, e.code());
    }

    @Test
    void refusesOverLongPathsAndNames() {
        assertEquals(
                ErrorCode.NAME_INVALID,
                assertThrows(
                                RegistryException.class,
                                () -> ApiRoute.parse("/v2/" + "a/".repeat(1100) + "manifests/latest"))
                        .code());
        assertEquals(
                ErrorCode.NAME_INVALID,
                assertThrows(
                                RegistryException.class,
                                () -> ApiRoute.parse("/v2/quay.io/" + "a".repeat(300) + "/manifests/latest"))
                        .code());
    }
}
