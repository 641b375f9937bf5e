package dev.registrycache.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small client of the OCI distribution API, written against the spec rather than reused from
 * production code: tests fill upstream registries with it byte for byte (monolithic blob
 * uploads, manifests pushed as built) and read back what a registry or the cache serves. It
 * answers 401 challenges itself, with Basic or with the Docker token protocol.
 */
public final class RegistryClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern REPOSITORY_PATH = Pattern.compile("^/v2/(.+?)/(?:blobs|manifests|tags)/.*");
    private static final Pattern CHALLENGE_PARAM = Pattern.compile("(\\w+)=\"([^\"]*)\"");
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final URI base;
    private final TestCredentials credentials;
    private final HttpClient http;
    /** Bearer tokens by repository name ("" for {@code /v2/}); Basic once a registry asked for it. */
    private final Map<String, String> tokens = new ConcurrentHashMap<>();

    private volatile boolean basic;

    public RegistryClient(String baseUrl) {
        this(baseUrl, null);
    }

    /** {@code credentials} may be null for anonymous access. */
    public RegistryClient(String baseUrl, TestCredentials credentials) {
        String trimmed = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.base = URI.create(trimmed);
        this.credentials = credentials;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    public String baseUrl() {
        return base.toString();
    }

    /** The same registry with other credentials (null: anonymous) and no cached tokens. */
    public RegistryClient withCredentials(TestCredentials other) {
        return new RegistryClient(base.toString(), other);
    }

    /** An HTTP response read to the end. */
    public record Response(int status, HttpHeaders headers, byte[] body) {

        public Optional<String> header(String name) {
            return headers.firstValue(name);
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        public String sha256() {
            return Sha256.of(body);
        }

        @Override
        public String toString() {
            return "HTTP " + status + " " + headers.map() + "\n"
                    + (body.length > 2000 ? body.length + " bytes" : text());
        }
    }

    /**
     * Sends a request to {@code pathAndQuery} (starting with {@code /v2/}) or to an absolute URL,
     * with header name/value pairs, answering an auth challenge once.
     */
    public Response send(String method, String pathAndQuery, BodyPublisher body, String... headers) {
        HttpResponse<byte[]> response =
                exchange(method, resolve(pathAndQuery), body, headers, BodyHandlers.ofByteArray());
        return new Response(response.statusCode(), response.headers(), response.body());
    }

    public Response get(String pathAndQuery, String... headers) {
        return send("GET", pathAndQuery, BodyPublishers.noBody(), headers);
    }

    public Response head(String pathAndQuery, String... headers) {
        return send("HEAD", pathAndQuery, BodyPublishers.noBody(), headers);
    }

    /** GET of a manifest accepting all four manifest media types. */
    public Response getManifest(String repository, String reference) {
        return getManifest(repository, reference, TestMediaTypes.ALL_MANIFESTS);
    }

    public Response getManifest(String repository, String reference, List<String> accept) {
        return get("/v2/" + repository + "/manifests/" + reference, "Accept", String.join(", ", accept));
    }

    public Response getBlob(String repository, String digest) {
        return get("/v2/" + repository + "/blobs/" + digest);
    }

    public boolean blobExists(String repository, String digest) {
        int status = head("/v2/" + repository + "/blobs/" + digest).status();
        return status == 200;
    }

    /**
     * GETs a blob and returns the sha256 of what was served without holding it in memory;
     * throws unless the answer is 200.
     */
    public String blobSha256(String repository, String digest) {
        HttpResponse<InputStream> response = exchange(
                "GET",
                resolve("/v2/" + repository + "/blobs/" + digest),
                BodyPublishers.noBody(),
                new String[0],
                BodyHandlers.ofInputStream());
        MessageDigest sha = Sha256.newDigest();
        try (InputStream in = response.body()) {
            if (response.statusCode() != 200) {
                throw new IllegalStateException("GET blob " + digest + " from " + repository + ": HTTP "
                        + response.statusCode() + " " + new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                sha.update(buffer, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Sha256.format(sha.digest());
    }

    /** Uploads {@code file} as a blob (digest computed here) unless the repository has it. */
    public String pushBlob(String repository, Path file) {
        String digest = Sha256.of(file);
        try {
            pushBlob(repository, digest, BodyPublishers.ofFile(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return digest;
    }

    public void pushBlob(String repository, Blob blob) {
        BodyPublisher body;
        try {
            body = blob.inMemory()
                    ? BodyPublishers.ofByteArray(blob.bytes())
                    : BodyPublishers.ofFile(blob.file().orElseThrow());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + blob, e);
        }
        pushBlob(repository, blob.digest(), body);
    }

    /** Monolithic upload: {@code POST /blobs/uploads/}, then {@code PUT <location>&digest=}. */
    private void pushBlob(String repository, String digest, BodyPublisher body) {
        if (blobExists(repository, digest)) {
            return;
        }
        Response started = send("POST", "/v2/" + repository + "/blobs/uploads/", BodyPublishers.noBody());
        if (started.status() != 202) {
            throw new IllegalStateException("starting an upload to " + repository + ": " + started);
        }
        String location = started.header("Location")
                .orElseThrow(() -> new IllegalStateException("upload without Location: " + started));
        String put = location + (location.contains("?") ? "&" : "?") + "digest="
                + URLEncoder.encode(digest, StandardCharsets.UTF_8);
        Response finished = send("PUT", put, body, "Content-Type", "application/octet-stream");
        if (finished.status() != 201) {
            throw new IllegalStateException("uploading " + digest + " to " + repository + ": " + finished);
        }
    }

    /** PUTs manifest bytes unchanged and returns the digest the registry computed. */
    public String pushManifest(String repository, String reference, String mediaType, byte[] bytes) {
        Response response = send(
                "PUT",
                "/v2/" + repository + "/manifests/" + reference,
                BodyPublishers.ofByteArray(bytes),
                "Content-Type",
                mediaType);
        if (response.status() != 201) {
            throw new IllegalStateException("pushing manifest " + repository + ":" + reference + ": " + response);
        }
        String expected = Sha256.of(bytes);
        String digest = response.header("Docker-Content-Digest").orElse(expected);
        if (!digest.equals(expected)) {
            throw new IllegalStateException("registry stored " + digest + " for manifest " + expected);
        }
        return digest;
    }

    /**
     * Pushes an image or index under {@code tag}: blobs, then the manifests an index lists (by
     * digest), then the top manifest. Returns its digest, which is the builder's.
     */
    public String push(ImageArtifact artifact, String repository, String tag) {
        for (Blob blob : artifact.blobs()) {
            pushBlob(repository, blob);
        }
        for (Blob manifest : artifact.manifests()) {
            boolean top = manifest == artifact.manifest();
            pushManifest(repository, top ? tag : manifest.digest(), manifest.mediaType(), manifest.bytes());
        }
        return artifact.digest();
    }

    private URI resolve(String pathAndQuery) {
        if (pathAndQuery.startsWith("http://") || pathAndQuery.startsWith("https://")) {
            return URI.create(pathAndQuery);
        }
        return URI.create(base + pathAndQuery);
    }

    private <T> HttpResponse<T> exchange(
            String method, URI uri, BodyPublisher body, String[] headers, BodyHandler<T> handler) {
        String repository = repositoryOf(uri.getRawPath());
        HttpResponse<T> response = sendOnce(method, uri, body, headers, handler, authorizationFor(repository));
        if (response.statusCode() != 401) {
            return response;
        }
        String challenge = response.headers().firstValue("WWW-Authenticate").orElse("");
        String authorization = answer(challenge, repository);
        if (authorization == null) {
            return response;
        }
        discard(response);
        return sendOnce(method, uri, body, headers, handler, authorization);
    }

    private <T> HttpResponse<T> sendOnce(
            String method,
            URI uri,
            BodyPublisher body,
            String[] headers,
            BodyHandler<T> handler,
            String authorization) {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(uri).timeout(TIMEOUT).method(method, body);
        for (int i = 0; i + 1 < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        try {
            return http.send(request.build(), handler);
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + uri, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + method + " " + uri, e);
        }
    }

    private String authorizationFor(String repository) {
        String token = tokens.get(repository);
        if (token != null) {
            return "Bearer " + token;
        }
        return basic && credentials != null ? credentials.basicAuthorization() : null;
    }

    /** The Authorization that answers {@code challenge}, or null if there is none to give. */
    private String answer(String challenge, String repository) {
        if (challenge.regionMatches(true, 0, "Basic", 0, 5)) {
            if (credentials == null) {
                return null;
            }
            basic = true;
            return credentials.basicAuthorization();
        }
        if (!challenge.regionMatches(true, 0, "Bearer", 0, 6)) {
            return null;
        }
        Map<String, String> params = new HashMap<>();
        Matcher matcher = CHALLENGE_PARAM.matcher(challenge);
        while (matcher.find()) {
            params.put(matcher.group(1).toLowerCase(), matcher.group(2));
        }
        String realm = params.get("realm");
        if (realm == null) {
            return null;
        }
        StringBuilder url = new StringBuilder(realm).append(realm.contains("?") ? '&' : '?');
        if (params.containsKey("service")) {
            url.append("service=").append(URLEncoder.encode(params.get("service"), StandardCharsets.UTF_8));
        }
        if (params.containsKey("scope")) {
            url.append("&scope=").append(URLEncoder.encode(params.get("scope"), StandardCharsets.UTF_8));
        }
        String[] headers =
                credentials == null ? new String[0] : new String[] {"Authorization", credentials.basicAuthorization()};
        HttpResponse<byte[]> response = sendOnce(
                "GET", URI.create(url.toString()), BodyPublishers.noBody(), headers, BodyHandlers.ofByteArray(), null);
        if (response.statusCode() != 200) {
            return null;
        }
        try {
            JsonNode json = JSON.readTree(response.body());
            String token = json.hasNonNull("token")
                    ? json.get("token").asText()
                    : json.path("access_token").asText(null);
            if (token == null) {
                return null;
            }
            tokens.put(repository, token);
            return "Bearer " + token;
        } catch (IOException e) {
            throw new UncheckedIOException("token answer from " + realm + " is not JSON", e);
        }
    }

    private static String repositoryOf(String path) {
        Matcher matcher = REPOSITORY_PATH.matcher(path == null ? "" : path);
        return matcher.matches() ? matcher.group(1) : "";
    }

    private static void discard(HttpResponse<?> response) {
        if (response.body() instanceof InputStream in) {
            try {
                in.close();
            } catch (IOException ignored) {
                // the response is abandoned for a retry
            }
        }
    }
}
