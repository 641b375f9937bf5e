package dev.registrycache.warm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.registrycache.common.oci.ErrorBody;
import dev.registrycache.common.oci.ErrorCode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The reasons a user of warm reads: words for each answer of the cache. */
class RefusalsTest {
    private static String reason(int status, ErrorCode code, String message) {
        return Refusals.of(status, ErrorBody.of(code, message, null), false, null)
                .getMessage();
    }

    @Test
    void speaksOfTheUpstreamForWhatTheUpstreamDoesNotHave() {
        assertEquals("manifest unknown to the upstream", reason(404, ErrorCode.MANIFEST_UNKNOWN, null));
        assertEquals("blob unknown to the upstream", reason(404, ErrorCode.BLOB_UNKNOWN, null));
        assertEquals("repository unknown to the upstream", reason(404, ErrorCode.NAME_UNKNOWN, null));
        assertEquals(
                "this cache does not serve registry ghcr.io",
                reason(404, ErrorCode.NAME_UNKNOWN, "this cache does not serve registry ghcr.io"));
        assertEquals(
                "the upstream registry is unavailable and the cache does not hold this",
                reason(
                        503,
                        ErrorCode.UNAVAILABLE,
                        "the upstream registry is unavailable and the cache does not hold this"));
        assertEquals(
                "the cache answered HTTP 502",
                Refusals.of(502, "<html>".getBytes(StandardCharsets.UTF_8), false, null)
                        .getMessage());
    }

    @Test
    void tellsTheCachesOwnAuthenticationFromTheUpstreamRefusingTheCache() {
        byte[] body = ErrorBody.of(ErrorCode.UNAUTHORIZED, null, null);
        assertEquals(
                "the cache asks for credentials: give --username, and the password in WARM_PASSWORD or on standard "
                        + "input with --password-stdin",
                Refusals.of(401, body, true, null).getMessage());
        assertEquals(
                "the cache refused the credentials of user puller",
                Refusals.of(401, body, true, "puller").getMessage());
        assertEquals(
                "the upstream registry refused the cache's credentials",
                Refusals.of(
                                401,
                                ErrorBody.of(
                                        ErrorCode.UNAUTHORIZED,
                                        "the upstream registry refused the cache's credentials",
                                        null),
                                false,
                                "puller")
                        .getMessage());
    }
}
