package dev.registrycache.warm;

import dev.registrycache.client.CacheAccess;
import dev.registrycache.client.CacheFailure;
import dev.registrycache.client.CacheHttp;
import dev.registrycache.common.http.StoredBlobs;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.ManifestLimitException;
import dev.registrycache.common.oci.ManifestSummary;
import dev.registrycache.common.oci.MediaTypes;
import dev.registrycache.common.oci.Reference;
import java.util.function.LongConsumer;
import org.eclipse.jetty.http.HttpMethod;

/**
 * The cache's public port as {@code warm} asks it, one request per registry operation, with the
 * user's credentials on each: the manifest of a reference, whether the cache holds a blob (a
 * {@code HEAD}, whose {@link StoredBlobs#CACHE_HEADER} says so without moving the bytes), and the
 * fetch of a blob it does not hold, read and discarded: the cache stores what passes through it.
 * Every answer that is not the one asked for becomes a {@link CacheFailure} through {@link Refusals}.
 */
final class CacheClient implements AutoCloseable {
    private static final String ACCEPT = String.join(", ", MediaTypes.ACCEPTED_MANIFESTS);

    private final CacheHttp http;

    /** A manifest as the cache sent it: its digest (over the bytes as received) and what it references. */
    record Manifest(Digest digest, ManifestSummary summary) {
        boolean isIndex() {
            return MediaTypes.OCI_INDEX.equals(summary.mediaType())
                    || MediaTypes.DOCKER_MANIFEST_LIST.equals(summary.mediaType());
        }
    }

    CacheClient(CacheAccess cache) {
        this.http = new CacheHttp(cache, "warm");
    }

    void start() throws Exception {
        http.start();
    }

    /** Asks {@code /v2/}: fails when the cache cannot be reached or refuses the credentials. */
    void checkAccess() throws CacheFailure {
        try (CacheHttp.Answer answer = send(HttpMethod.GET, "/v2/")) {
            expect(answer, 200);
            answer.drain(n -> {});
        }
    }

    /** The manifest of {@code reference} in the image's repository. */
    Manifest manifest(ImageName image, Reference reference) throws CacheFailure {
        try (CacheHttp.Answer answer = send(HttpMethod.GET, path(image, "/manifests/" + reference))) {
            expect(answer, 200);
            byte[] bytes = answer.body(ManifestSummary.MAX_BYTES + 1);
            if (bytes.length > ManifestSummary.MAX_BYTES) {
                throw new CacheFailure(
                        "the manifest is larger than the " + (ManifestSummary.MAX_BYTES >> 20) + " MiB a cache serves");
            }
            Digest digest = reference.isDigest() ? reference.digest() : Digest.sha256Of(bytes);
            if (reference.isDigest() && !digest.matches(digest.newHasher().digest(bytes))) {
                throw new CacheFailure("the manifest the cache sent for " + digest + " has another digest");
            }
            ManifestSummary summary = ManifestSummary.read(bytes);
            if (summary.mediaType() == null) {
                throw new CacheFailure("the cache's answer for " + reference + " is not a manifest");
            }
            return new Manifest(digest, summary);
        } catch (ManifestLimitException e) {
            throw new CacheFailure(e.getMessage());
        }
    }

    /** Whether the cache holds {@code blob}: its answer to a {@code HEAD} says {@code hit}. */
    boolean holds(ImageName image, Digest blob) throws CacheFailure {
        try (CacheHttp.Answer answer = send(HttpMethod.HEAD, path(image, "/blobs/" + blob))) {
            expect(answer, 200);
            return "hit".equals(answer.header(StoredBlobs.CACHE_HEADER));
        }
    }

    /** GETs {@code blob}, telling {@code fetched} of its bytes as they arrive; returns how many came. */
    long fetch(ImageName image, Digest blob, LongConsumer fetched) throws CacheFailure {
        try (CacheHttp.Answer answer = send(HttpMethod.GET, path(image, "/blobs/" + blob))) {
            expect(answer, 200);
            return answer.drain(fetched);
        }
    }

    private static String path(ImageName image, String rest) {
        return "/v2/" + image.cacheRepository() + rest;
    }

    private CacheHttp.Answer send(HttpMethod method, String path) throws CacheFailure {
        return http.send(method, path, ACCEPT, null);
    }

    /** Returns if the status is {@code status}; else fails with the cache's reason. */
    private void expect(CacheHttp.Answer answer, int status) throws CacheFailure {
        if (answer.status() != status) {
            throw Refusals.of(
                    answer.status(),
                    answer.bodyOrEmpty(),
                    answer.challenged(),
                    http.access().username());
        }
    }

    @Override
    public void close() throws Exception {
        http.close();
    }
}
