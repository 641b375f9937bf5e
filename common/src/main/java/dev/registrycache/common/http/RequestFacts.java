package dev.registrycache.common.http;

import dev.registrycache.common.oci.Digest;
import org.eclipse.jetty.server.Request;

/** What a handler learned about a request, kept on it for the access log. */
public final class RequestFacts {
    private static final String ATTRIBUTE = RequestFacts.class.getName();

    /** The registry that answered, when the access log serves several (the gateway's). */
    public String registry;

    public String repository;
    public String kind;
    public String reference;
    public Digest digest;
    public CacheOutcome outcome = CacheOutcome.NONE;
    public String error;

    public static RequestFacts of(Request request) {
        Object o = request.getAttribute(ATTRIBUTE);
        if (o instanceof RequestFacts f) {
            return f;
        }
        RequestFacts f = new RequestFacts();
        request.setAttribute(ATTRIBUTE, f);
        return f;
    }

    /** Forgets the request's facts: another process answers it, and logs it. */
    public static void discard(Request request) {
        request.removeAttribute(ATTRIBUTE);
    }

    public static RequestFacts peek(Request request) {
        return request.getAttribute(ATTRIBUTE) instanceof RequestFacts f ? f : null;
    }
}
