package dev.registrycache.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The tests' own view of an {@link S3Server}'s bucket: put, get, list and delete objects with the
 * JDK's HTTP client and {@link S3Signer}, so that a test can check what a driver wrote (or left
 * behind) without trusting that driver. Bodies are held in memory: for test-sized objects only.
 */
public final class S3TestClient {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern KEY = Pattern.compile("<Key>([^<]*)</Key>");

    private final URI endpoint;
    private final String bucket;
    private final S3Signer signer;
    private final HttpClient http;

    S3TestClient(URI endpoint, String bucket, S3Signer signer, Optional<Path> caCertificate) {
        this.endpoint = endpoint;
        this.bucket = bucket;
        this.signer = signer;
        HttpClient.Builder builder =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(TIMEOUT);
        caCertificate.ifPresent(ca -> builder.sslContext(trusting(ca)));
        this.http = builder.build();
    }

    /** Creates {@code name}; an existing bucket of ours is no error. */
    public void createBucket(String name) {
        HttpResponse<byte[]> response = send("PUT", "/" + S3Signer.encode(name), Map.of(), new byte[0]);
        if (response.statusCode() != 200 && response.statusCode() != 409) {
            throw failure("create bucket " + name, response);
        }
    }

    public void put(String key, byte[] body) {
        HttpResponse<byte[]> response = send("PUT", objectPath(key), Map.of(), body);
        if (response.statusCode() != 200) {
            throw failure("PUT " + key, response);
        }
    }

    /** The object's bytes, or empty if there is no such object. */
    public Optional<byte[]> get(String key) {
        HttpResponse<byte[]> response = send("GET", objectPath(key), Map.of(), null);
        if (response.statusCode() == 404) {
            return Optional.empty();
        }
        if (response.statusCode() != 200) {
            throw failure("GET " + key, response);
        }
        return Optional.of(response.body());
    }

    public void delete(String key) {
        HttpResponse<byte[]> response = send("DELETE", objectPath(key), Map.of(), null);
        if (response.statusCode() != 204 && response.statusCode() != 200) {
            throw failure("DELETE " + key, response);
        }
    }

    /** The keys that start with {@code prefix}, in S3's order (at most 1000: test-sized buckets). */
    public List<String> keys(String prefix) {
        String query = "?list-type=2&prefix=" + S3Signer.encode(prefix);
        HttpResponse<byte[]> response = send("GET", "/" + S3Signer.encode(bucket) + query, Map.of(), null);
        if (response.statusCode() != 200) {
            throw failure("LIST " + prefix, response);
        }
        List<String> keys = new ArrayList<>();
        Matcher matcher = KEY.matcher(new String(response.body(), StandardCharsets.UTF_8));
        while (matcher.find()) {
            keys.add(matcher.group(1).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"));
        }
        return keys;
    }

    /**
     * Any signed request, answered as it came: {@code pathAndQuery} is encoded already (see {@link
     * S3Signer#encode}), {@code body} is null for none.
     */
    public HttpResponse<byte[]> send(String method, String pathAndQuery, Map<String, String> headers, byte[] body) {
        URI uri = endpoint.resolve(pathAndQuery);
        byte[] payload = body == null ? new byte[0] : body;
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(TIMEOUT)
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        signer.sign(method, uri, headers, S3Signer.payloadSha256(payload), Instant.now())
                .forEach(request::header);
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + uri, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + method + " " + uri, e);
        }
    }

    private String objectPath(String key) {
        return "/" + S3Signer.encode(bucket) + "/" + S3Signer.encodePath(key);
    }

    private static IllegalStateException failure(String what, HttpResponse<byte[]> response) {
        return new IllegalStateException(
                what + ": " + response.statusCode() + " " + new String(response.body(), StandardCharsets.UTF_8));
    }

    private static SSLContext trusting(Path caCertificate) {
        try (InputStream in = Files.newInputStream(caCertificate)) {
            KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            trusted.load(null, null);
            trusted.setCertificateEntry(
                    "ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + caCertificate, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot trust " + caCertificate, e);
        }
    }
}
