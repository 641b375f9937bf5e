package dev.registrycache.node.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.registrycache.common.Json;
import dev.registrycache.common.settings.Credentials;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bearer tokens from the realm of the upstream's challenge, fetched with the pull-secret
 * credentials where the {@link TokenRealmPolicy} lets the realm have them (else anonymously) and
 * reused per scope until they expire. A scope without a token yet goes without an
 * {@code Authorization} header, and its challenge fetches one.
 */
final class BearerAuth implements UpstreamAuth {
    private static final Logger LOG = LoggerFactory.getLogger(BearerAuth.class);

    /** Sends a GET for a token with the given {@code Authorization} (null: none). */
    interface TokenRequest {
        UpstreamResponse get(URI uri, String authorization) throws UpstreamException;
    }

    private final Optional<Credentials> credentials;
    private final TokenRealmPolicy realms;
    private final TokenRequest tokenRequest;
    private final UpstreamWarnings warnings;
    private final TokenCache tokens = new TokenCache(Clock.systemUTC());

    BearerAuth(
            Optional<Credentials> credentials,
            TokenRealmPolicy realms,
            TokenRequest tokenRequest,
            UpstreamWarnings warnings) {
        this.credentials = credentials;
        this.realms = realms;
        this.tokenRequest = tokenRequest;
        this.warnings = warnings;
    }

    @Override
    public String authorization(String scope) {
        String token = tokens.get(key(scope));
        return token == null ? null : "Bearer " + token;
    }

    /** Fetches a token for {@code scope} (null: the challenge's own scope) from the challenge's realm. */
    void obtainToken(AuthChallenge challenge, String scope) throws UpstreamException {
        String realm = challenge.param("realm");
        if (realm == null) {
            throw new UpstreamException(
                    UpstreamException.Kind.INVALID_RESPONSE, 401, "bearer challenge without realm", -1, null);
        }
        StringBuilder url = new StringBuilder(realm);
        char sep = realm.contains("?") ? '&' : '?';
        if (challenge.param("service") != null) {
            url.append(sep).append("service=").append(enc(challenge.param("service")));
            sep = '&';
        }
        String wanted = scope != null ? scope : challenge.param("scope");
        if (wanted != null) {
            url.append(sep).append("scope=").append(enc(wanted));
        }
        URI tokenUri;
        try {
            tokenUri = URI.create(url.toString());
        } catch (IllegalArgumentException e) {
            throw new UpstreamException(
                    UpstreamException.Kind.INVALID_RESPONSE, 401, "bearer realm is not a URL", -1, e);
        }
        String authorization = realms.credentialsFor(tokenUri, credentials)
                .map(Credentials::basicHeaderValue)
                .orElse(null);
        try (UpstreamResponse response = UpstreamClient.expectSuccess(tokenRequest.get(tokenUri, authorization))) {
            JsonNode json = Json.MAPPER.readTree(response.readBody(1 << 20));
            String token = json.path("token").asText(null);
            if (token == null || token.isEmpty()) {
                token = json.path("access_token").asText(null);
            }
            if (token == null || token.isEmpty()) {
                throw new UpstreamException(
                        UpstreamException.Kind.INVALID_RESPONSE, 200, "token server sent no token", -1, null);
            }
            long expiresIn = json.path("expires_in").asLong(60);
            tokens.put(key(scope), token, expiresIn <= 0 ? 60 : expiresIn);
            LOG.debug("obtained token for {} valid {}s", scope, expiresIn);
        } catch (UpstreamException e) {
            if (e.kind() == UpstreamException.Kind.UNAUTHORIZED || e.kind() == UpstreamException.Kind.DENIED) {
                warnings.tokenServerRefused(
                        tokenUri, e.status(), authorization != null, realms.withheldBecause(tokenUri));
            }
            if (e.kind() == UpstreamException.Kind.NOT_FOUND) {
                throw new UpstreamException(
                        UpstreamException.Kind.INVALID_RESPONSE, 404, "token server answered 404", -1, e);
            }
            throw e;
        } catch (IOException e) {
            throw new UpstreamException(
                    UpstreamException.Kind.INVALID_RESPONSE, 200, "token server sent an invalid answer", -1, e);
        }
    }

    private static String key(String scope) {
        return scope == null ? "" : scope;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
