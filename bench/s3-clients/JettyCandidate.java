import dev.registrycache.testsupport.S3Signer;
import dev.registrycache.testsupport.TestCredentials;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamRequestContent;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * A minimal S3 client on the Jetty 12 HttpClient the product ships already: SigV4 headers
 * (testsupport's {@link S3Signer}, standing in for the driver's own), {@code UNSIGNED-PAYLOAD}
 * bodies streamed with their length, responses read as Jetty's {@link Content.Source} (the node's
 * way: no copy through the heap), XML answers picked apart with a pattern or two. Only what a
 * registry driver needs.
 */
final class JettyCandidate implements Candidate {
    private static final Pattern KEY = Pattern.compile("<Key>([^<]*)</Key>");
    private static final Pattern UPLOAD_ID = Pattern.compile("<UploadId>([^<]*)</UploadId>");
    private static final Pattern TRUNCATED = Pattern.compile("<IsTruncated>true</IsTruncated>");
    private static final Pattern NEXT = Pattern.compile("<NextContinuationToken>([^<]*)</NextContinuationToken>");
    private static final long TIMEOUT_SECONDS = 300;

    private final HttpClient http;
    private final URI endpoint;
    private final String bucket;
    private final S3Signer signer;

    JettyCandidate(Target target) throws Exception {
        SslContextFactory.Client tls = new SslContextFactory.Client();
        target.trust().ifPresent(trust -> tls.setTrustStore(trust.store()));
        this.http = new HttpClient();
        http.setSslContextFactory(tls);
        http.setFollowRedirects(false);
        http.start();
        this.endpoint = target.endpoint();
        this.bucket = target.bucket();
        this.signer = new S3Signer(TestCredentials.of(target.accessKey(), target.secretKey()), target.region());
    }

    @Override
    public void put(String key, byte[] body) throws Exception {
        expect(200, send("PUT", object(key), Map.of(), body), "PUT " + key);
    }

    @Override
    public boolean putIfAbsent(String key, byte[] body) throws Exception {
        ContentResponse response = send("PUT", object(key), Map.of("If-None-Match", "*"), body);
        if (response.getStatus() == 412) {
            return false;
        }
        expect(200, response, "PUT " + key);
        return true;
    }

    @Override
    public long size(String key) throws Exception {
        ContentResponse response = send("HEAD", object(key), Map.of(), null);
        if (response.getStatus() == 404) {
            return -1;
        }
        expect(200, response, "HEAD " + key);
        return response.getHeaders().getLongField("Content-Length");
    }

    @Override
    public byte[] read(String key, long offset, int length) throws Exception {
        String range = "bytes=" + offset + "-" + (offset + length - 1);
        ContentResponse response = send("GET", object(key), Map.of("Range", range), null);
        expect(206, response, "GET " + key + " " + range);
        return response.getContent();
    }

    @Override
    public List<String> list(String prefix) throws Exception {
        List<String> keys = new ArrayList<>();
        String token = null;
        do {
            String query = "?list-type=2&prefix=" + S3Signer.encode(prefix)
                    + (token == null ? "" : "&continuation-token=" + S3Signer.encode(token));
            String xml = expect(200, send("GET", "/" + bucket + query, Map.of(), null), "LIST " + prefix);
            Matcher key = KEY.matcher(xml);
            while (key.find()) {
                keys.add(unescape(key.group(1)));
            }
            Matcher next = NEXT.matcher(xml);
            token = TRUNCATED.matcher(xml).find() && next.find() ? unescape(next.group(1)) : null;
        } while (token != null);
        return keys;
    }

    @Override
    public void copy(String from, String to) throws Exception {
        String source = "/" + bucket + "/" + S3Signer.encodePath(from);
        String xml = expect(200, send("PUT", object(to), Map.of("x-amz-copy-source", source), null), "COPY " + from);
        if (!xml.contains("<CopyObjectResult")) {
            throw new IOException("COPY " + from + ": " + xml);
        }
    }

    @Override
    public void delete(String key) throws Exception {
        expect(204, send("DELETE", object(key), Map.of(), null), "DELETE " + key);
    }

    @Override
    public void abortedUpload(String key, byte[] part) throws Exception {
        String id = createUpload(key);
        uploadPart(key, id, 1, new BytesRequestContent(part));
        abortUpload(key, id);
    }

    @Override
    public void upload(String key, InputStream in, long size, int partSize) throws Exception {
        String id = createUpload(key);
        try {
            StringBuilder parts = new StringBuilder("<CompleteMultipartUpload>");
            int number = 1;
            for (long done = 0; done < size; done += partSize, number++) {
                long length = Math.min(partSize, size - done);
                String etag = uploadPart(key, id, number, new KnownLength(new Part(in, length), length, http.getByteBufferPool()));
                parts.append("<Part><PartNumber>").append(number).append("</PartNumber><ETag>")
                        .append(etag.replace("&", "&amp;").replace("\"", "&quot;")).append("</ETag></Part>");
            }
            byte[] body = parts.append("</CompleteMultipartUpload>").toString().getBytes(StandardCharsets.UTF_8);
            String xml = expect(200, send("POST", object(key) + "?uploadId=" + S3Signer.encode(id), Map.of(), body),
                    "complete " + key);
            if (!xml.contains("<CompleteMultipartUploadResult")) { // S3 may answer 200 with an error
                throw new IOException("complete " + key + ": " + xml);
            }
        } catch (Exception e) {
            abortUpload(key, id);
            throw e;
        }
    }

    @Override
    public long download(String key) throws Exception {
        CompletableFuture<Content.Source> body = new CompletableFuture<>();
        CompletableFuture<Response> head = new CompletableFuture<>();
        signed("GET", object(key), Map.of())
                .onResponseHeaders(head::complete)
                .onResponseContentSource((response, source) -> body.complete(source))
                .send(result -> {
                    if (result.isFailed()) {
                        head.completeExceptionally(result.getFailure());
                        body.completeExceptionally(result.getFailure());
                    }
                });
        if (head.get(TIMEOUT_SECONDS, TimeUnit.SECONDS).getStatus() != 200) {
            throw new IOException("GET " + key + ": " + head.get().getStatus());
        }
        return drain(body.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
    }

    @Override
    public void close() throws Exception {
        http.stop();
    }

    private String createUpload(String key) throws Exception {
        String xml = expect(200, send("POST", object(key) + "?uploads=", Map.of(), null), "create upload " + key);
        Matcher id = UPLOAD_ID.matcher(xml);
        if (!id.find()) {
            throw new IOException("create upload " + key + ": " + xml);
        }
        return id.group(1);
    }

    private String uploadPart(String key, String id, int number, Request.Content content) throws Exception {
        String query = "?partNumber=" + number + "&uploadId=" + S3Signer.encode(id);
        ContentResponse response = signed("PUT", object(key) + query, Map.of()).body(content).send();
        expect(200, response, "part " + number + " of " + key);
        return response.getHeaders().get("ETag");
    }

    private void abortUpload(String key, String id) throws Exception {
        expect(204, send("DELETE", object(key) + "?uploadId=" + S3Signer.encode(id), Map.of(), null), "abort " + key);
    }

    private ContentResponse send(String method, String pathAndQuery, Map<String, String> headers, byte[] body)
            throws Exception {
        Request request = signed(method, pathAndQuery, headers);
        if (body != null) {
            request.body(new BytesRequestContent(body));
        }
        return request.send();
    }

    private Request signed(String method, String pathAndQuery, Map<String, String> headers) {
        URI uri = endpoint.resolve(pathAndQuery);
        Request request = http.newRequest(uri).method(method).timeout(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        Map<String, String> added = signer.sign(method, uri, headers, S3Signer.UNSIGNED_PAYLOAD, Instant.now());
        request.headers(h -> {
            headers.forEach(h::put);
            added.forEach(h::put);
        });
        return request;
    }

    private String object(String key) {
        return "/" + bucket + "/" + S3Signer.encodePath(key);
    }

    private static String expect(int status, ContentResponse response, String what) throws IOException {
        String text = response.getContentAsString();
        if (response.getStatus() != status) {
            throw new IOException(what + ": " + response.getStatus() + " " + text);
        }
        return text;
    }

    private static String unescape(String xml) {
        return xml.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'")
                .replace("&amp;", "&");
    }

    /** Reads a body chunk by chunk in Jetty's own buffers, waiting for more when none is there. */
    private static long drain(Content.Source source) throws Exception {
        long total = 0;
        while (true) {
            Content.Chunk chunk = source.read();
            if (chunk == null) {
                CountDownLatch more = new CountDownLatch(1);
                source.demand(more::countDown);
                if (!more.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    throw new IOException("the body stalled");
                }
                continue;
            }
            if (Content.Chunk.isFailure(chunk)) {
                throw new IOException(chunk.getFailure());
            }
            total += chunk.remaining();
            boolean last = chunk.isLast();
            chunk.release();
            if (last) {
                return total;
            }
        }
    }

    /** A streamed body whose length is known, so that it goes out with Content-Length as S3 requires. */
    private static final class KnownLength extends InputStreamRequestContent {
        private final long length;

        KnownLength(InputStream in, long length, ByteBufferPool pool) {
            super("application/octet-stream", in, new ByteBufferPool.Sized(pool, false, 64 << 10));
            this.length = length;
        }

        @Override
        public long getLength() {
            return length;
        }
    }
}
