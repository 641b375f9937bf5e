package dev.registrycache.node.upstream;

import dev.registrycache.common.settings.Credentials;
import java.util.Optional;

/**
 * Chooses the {@link UpstreamAuth} from the upstream's challenges: none until challenged, then
 * Bearer tokens, or the Basic credentials for good once the upstream asked for Basic.
 */
final class UpstreamAuthentication {
    private final Optional<BasicAuth> basic;
    private final BearerAuth bearer;
    private volatile UpstreamAuth current = new AnonymousAuth();

    UpstreamAuthentication(
            Optional<Credentials> credentials,
            TokenRealmPolicy realms,
            BearerAuth.TokenRequest tokenRequest,
            UpstreamWarnings warnings) {
        this.basic = credentials.map(BasicAuth::new);
        this.bearer = new BearerAuth(credentials, realms, tokenRequest, warnings);
    }

    /** The {@code Authorization} header value for a request in {@code scope}, or null. */
    String authorization(String scope) {
        return current.authorization(scope);
    }

    /**
     * Answers a 401 to a request that sent {@code sent} (null: nothing): true if the request
     * should be sent again with {@link #authorization}, false if the 401 is the answer.
     */
    boolean answer(AuthChallenge challenge, String scope, String sent) throws UpstreamException {
        if (challenge == null) {
            return false;
        }
        if (challenge.isBearer()) {
            if (!(current instanceof BasicAuth)) {
                current = bearer;
            }
            bearer.obtainToken(challenge, scope);
            return true;
        }
        // Whether another request switched to Basic meanwhile does not matter: this one went
        // without the credentials, so it is retried with them.
        if (challenge.isBasic() && basic.isPresent() && basic.get().wasNotSentBy(sent)) {
            current = basic.get();
            return true;
        }
        return false;
    }
}
