package dev.registrycache.node.api;

import dev.registrycache.common.http.ApiRoute;
import dev.registrycache.common.http.ErrorResponses;
import dev.registrycache.common.http.RequestFacts;
import dev.registrycache.common.oci.ErrorCode;
import dev.registrycache.common.oci.NameMapping;
import dev.registrycache.common.oci.RegistryException;
import dev.registrycache.node.cache.ImageCompletion;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.content.ByteBufferContentSource;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's distribution API: parses the route, maps the name, hands over to the manifest,
 * blob and tag services, and turns every typed error into an OCI error response. Writes are
 * refused: this is a read-only cache. Each request gets a share of the {@link BodyBudget}, given
 * back when its response is done.
 */
public final class RegistryApiHandler extends Handler.Abstract {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryApiHandler.class);
    private static final byte[] EMPTY_JSON = "{}".getBytes(StandardCharsets.UTF_8);

    private final NameMapping names;
    private final ManifestService manifests;
    private final Optional<ImageCompletion> completion;
    private final BlobService blobs;
    private final TagService tags;
    private final BodyBudget budget;

    public RegistryApiHandler(
            NameMapping names,
            ManifestService manifests,
            Optional<ImageCompletion> completion,
            BlobService blobs,
            TagService tags,
            BodyBudget budget) {
        this.names = names;
        this.manifests = manifests;
        this.completion = completion;
        this.blobs = blobs;
        this.tags = tags;
        this.budget = budget;
    }

    @Override
    public boolean handle(Request request, Response response, Callback done) {
        RequestFacts facts = RequestFacts.of(request);
        BodyBudget.Share share = budget.share();
        Callback callback = Callback.from(done, share::close);
        try {
            response.getHeaders().put("Docker-Distribution-API-Version", "registry/2.0");
            ApiRoute route = ApiRoute.parse(request.getHttpURI().getPath());
            String method = request.getMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                throw new RegistryException(ErrorCode.UNSUPPORTED, "this registry is a read-only cache", null);
            }
            facts.kind = route.kind().name().toLowerCase(java.util.Locale.ROOT);
            if (route.kind() == ApiRoute.Kind.BASE) {
                send(request, response, callback, 200, "application/json", BodyChunks.of(EMPTY_JSON));
                return true;
            }
            facts.repository = route.name().toString();
            NameMapping.Names mapped = names.map(route.name());
            switch (route.kind()) {
                case MANIFEST -> {
                    facts.reference = route.reference().toString();
                    ManifestService.Resolved resolved = manifests.resolve(mapped, route.reference(), share);
                    facts.digest = resolved.manifest().digest();
                    facts.outcome = resolved.outcome();
                    serveManifest(request, response, callback, resolved.manifest());
                    if (method.equals("GET")) {
                        ManifestService.Manifest m = resolved.manifest();
                        completion.ifPresent(c -> c.served(mapped, m.digest(), m.bytes()));
                    }
                }
                case BLOB -> {
                    facts.reference = route.digest().toString();
                    facts.digest = route.digest();
                    blobs.serve(request, response, callback, mapped, route.digest(), facts);
                }
                case TAGS -> {
                    Fields query = Request.extractQueryParameters(request);
                    TagService.TagList list =
                            tags.list(route.name(), mapped, query.getValue("n"), query.getValue("last"), share);
                    facts.outcome = list.outcome();
                    if (list.link() != null) {
                        response.getHeaders().put("Link", list.link());
                    }
                    send(request, response, callback, 200, "application/json", list.body());
                }
                default -> throw new IllegalStateException();
            }
        } catch (Throwable t) {
            ErrorResponses.fail(request, response, callback, t, facts, LOG);
        }
        return true;
    }

    private static void serveManifest(
            Request request, Response response, Callback callback, ManifestService.Manifest m) {
        String etag = "\"" + m.digest() + "\"";
        response.getHeaders().put("Docker-Content-Digest", m.digest().toString());
        response.getHeaders().put(HttpHeader.ETAG, etag);
        if (etag.equals(request.getHeaders().get(HttpHeader.IF_NONE_MATCH))) {
            response.setStatus(304);
            callback.succeeded();
            return;
        }
        send(request, response, callback, 200, m.mediaType(), BodyChunks.of(m.bytes()));
    }

    private static void send(
            Request request, Response response, Callback callback, int status, String type, List<ByteBuffer> body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, BodyChunks.length(body));
        if ("HEAD".equals(request.getMethod()) || body.isEmpty()) {
            response.write(true, null, callback);
        } else if (body.size() == 1) {
            response.write(true, body.get(0), callback);
        } else {
            Content.copy(new ByteBufferContentSource(body), response, callback); // piece by piece
        }
    }
}
