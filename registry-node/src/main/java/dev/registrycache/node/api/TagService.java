package dev.registrycache.node.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.registrycache.common.Json;
import dev.registrycache.common.Reasons;
import dev.registrycache.common.http.CacheOutcome;
import dev.registrycache.common.oci.ErrorCode;
import dev.registrycache.common.oci.NameMapping;
import dev.registrycache.common.oci.RegistryException;
import dev.registrycache.common.oci.RepositoryName;
import dev.registrycache.common.oci.Tag;
import dev.registrycache.common.store.Datastore;
import dev.registrycache.node.upstream.UpstreamClient;
import dev.registrycache.node.upstream.UpstreamException;
import dev.registrycache.node.upstream.UpstreamResponse;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * {@code tags/list}: the upstream's answer (with names and {@code Link} rewritten to the
 * client's names), or, when the upstream fails, the tags the store holds, paginated the same way.
 * The upstream's answer is copied as it streams in ({@link TagListCopy}) into a body of at most
 * 16 MiB reserved in the node's {@link BodyBudget}.
 */
public final class TagService {
    /** Room for the client's name, which may be longer than the upstream's, and a last piece. */
    private static final int SLACK = 1024 + BodyChunks.CHUNK;

    /** A tag list answer: JSON body (in pieces) and an optional {@code Link} header. */
    public record TagList(List<ByteBuffer> body, String link, CacheOutcome outcome) {}

    private final Datastore store;
    private final UpstreamClient upstream;

    public TagService(Datastore store, UpstreamClient upstream) {
        this.store = store;
        this.upstream = upstream;
    }

    /** The tag list; its body is reserved in {@code share} until the caller has sent it. */
    public TagList list(
            RepositoryName clientName, NameMapping.Names names, String n, String last, BodyBudget.Share share) {
        Integer limit = null;
        if (n != null) {
            try {
                limit = Integer.parseInt(n);
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 0 || limit > 100_000) {
                throw new RegistryException(ErrorCode.PAGINATION_NUMBER_INVALID, "invalid n", Map.of("n", n));
            }
        }
        StringBuilder query = new StringBuilder();
        if (limit != null) {
            query.append("n=").append(limit);
        }
        if (last != null) {
            query.append(query.length() > 0 ? "&" : "")
                    .append("last=")
                    .append(URLEncoder.encode(last, StandardCharsets.UTF_8));
        }
        String path = "/v2/" + names.upstream() + "/tags/list" + (query.length() > 0 ? "?" + query : "");
        try (UpstreamResponse r =
                UpstreamClient.expectSuccess(upstream.send("GET", path, names.upstream(), Map.of()))) {
            long declared = r.contentLength();
            if (declared > TagListCopy.MAX_BYTES) {
                throw new IOException("the upstream's tag list of " + declared + " bytes exceeds the limit of "
                        + TagListCopy.MAX_BYTES);
            }
            long reserved = (declared < 0 ? TagListCopy.MAX_BYTES : declared) + SLACK;
            share.reserve(reserved);
            BodyChunks body = new BodyChunks(reserved);
            TagListCopy.copy(r.body(), body, clientName);
            share.release(reserved - body.size() - BodyChunks.CHUNK);
            String link = r.header("Link");
            if (link != null) {
                link = link.replace("/v2/" + names.upstream() + "/", "/v2/" + clientName + "/");
            }
            return new TagList(body.buffers(), link, CacheOutcome.PASS);
        } catch (UpstreamException e) {
            if (!e.isOutage()) {
                throw e.toRegistryException(ErrorCode.NAME_UNKNOWN);
            }
            if (!store.repositoryExists(names.store())) {
                throw e.toRegistryException(ErrorCode.NAME_UNKNOWN);
            }
            return local(clientName, names, limit, last, share);
        } catch (IOException e) {
            share.releaseHeld();
            if (!store.repositoryExists(names.store())) {
                throw new RegistryException(
                        ErrorCode.UNAVAILABLE, "the upstream sent an invalid tag list: " + Reasons.of(e), null, 10, e);
            }
            return local(clientName, names, limit, last, share);
        }
    }

    private TagList local(
            RepositoryName clientName, NameMapping.Names names, Integer limit, String last, BodyBudget.Share share) {
        List<String> tags = store.tags(names.store()).stream()
                .filter(t -> store.taggedDigest(names.store(), t) != null) // a tag whose manifest is gone is not listed
                .map(Tag::toString)
                .toList();
        if (last != null) {
            tags = tags.stream().filter(t -> t.compareTo(last) > 0).toList();
        }
        String link = null;
        if (limit != null && tags.size() > limit) {
            tags = tags.subList(0, limit);
            if (limit > 0) {
                link = "</v2/" + clientName + "/tags/list?n=" + limit + "&last="
                        + URLEncoder.encode(tags.get(tags.size() - 1), StandardCharsets.UTF_8) + ">; rel=\"next\"";
            }
        }
        ObjectNode json = Json.MAPPER.createObjectNode();
        json.put("name", clientName.toString());
        ArrayNode array = json.putArray("tags");
        tags.forEach(array::add);
        try {
            byte[] body = Json.MAPPER.writeValueAsBytes(json);
            share.reserve(body.length);
            return new TagList(BodyChunks.of(body), link, CacheOutcome.STALE);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
