package dev.registrycache.common.store.s3;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The S3 operations the driver makes, one method each, on datastore keys: the bucket's keys,
 * URLs and XML stay in here and in {@link S3Client}. Answers that mean "absent" (404, a failed
 * condition) are values; every other failure is an {@link S3Exception} from the client.
 */
final class Bucket {
    /** S3's limit of keys per DeleteObjects. */
    static final int DELETE_BATCH = 1000;

    private static final int MAX_XML = 16 * 1024 * 1024;
    private static final Set<Integer> OK = Set.of(200);
    private static final Set<Integer> OK_OR_ABSENT = Set.of(200, 404);

    private final S3Client client;
    private final BucketAddress address;

    Bucket(S3Client client) {
        this.client = client;
        this.address = client.address();
    }

    BucketAddress address() {
        return address;
    }

    /** What a HEAD says of an object: its size, last write (whole seconds) and ETag. */
    record Head(long size, long modifiedMillis, String etag) {}

    /** The object's head; null if there is none. */
    Head head(String key) throws IOException {
        S3Client.Answer answer = client.exchange(call("HEAD", key, null, Map.of(), null, true), OK_OR_ABSENT, 0);
        if (answer.status() == 404) {
            return null;
        }
        return new Head(
                Long.parseLong(answer.header("Content-Length")),
                lastModified(answer.header("Last-Modified")),
                answer.header("ETag"));
    }

    /**
     * The object from {@code from} on, its body not read yet; null if there is none. With {@code
     * ifMatch} (an ETag), a 412 answers if the object changed since. The status is 200 for the
     * whole object, 206 for a range, 416 if {@code from} is at or past its end.
     */
    S3Response get(String key, long from, String ifMatch) throws IOException {
        Map<String, String> headers = new java.util.TreeMap<>();
        if (from > 0) {
            headers.put("Range", "bytes=" + from + "-");
        }
        if (ifMatch != null) {
            headers.put("If-Match", ifMatch);
        }
        S3Response response = client.open(call("GET", key, null, headers, null, true), Set.of(200, 206, 404, 412, 416));
        if (response.status() == 404) {
            response.close();
            return null;
        }
        return response;
    }

    void put(String key, S3Client.Body body) throws IOException {
        client.exchange(call("PUT", key, null, Map.of(), body, true), OK, MAX_XML);
    }

    /**
     * Writes the object unless one exists ({@code If-None-Match: *}): false if one does. A
     * conflict with a write under way (409, AWS's ConditionalRequestConflict) is asked again.
     */
    boolean putIfAbsent(String key, byte[] bytes) throws IOException {
        for (int attempt = 1; ; attempt++) {
            S3Client.Answer answer = client.exchange(
                    call("PUT", key, null, Map.of("If-None-Match", "*"), S3Client.Body.of(bytes), false),
                    Set.of(200, 409, 412),
                    MAX_XML);
            if (answer.status() != 409 || attempt == 5) {
                if (answer.status() == 409) {
                    throw new S3Exception(
                            "PUT If-None-Match", address.describe(key), 409, "ConditionalRequestConflict", null);
                }
                return answer.status() == 200;
            }
        }
    }

    void delete(String key) throws IOException {
        client.exchange(call("DELETE", key, null, Map.of(), null, true), Set.of(200, 204, 404), MAX_XML);
    }

    /** Deletes {@code keys} in batches of {@link #DELETE_BATCH} (DeleteObjects); an IOException names those the store kept. */
    void deleteAll(List<String> keys) throws IOException {
        for (int from = 0; from < keys.size(); from += DELETE_BATCH) {
            List<String> batch = new ArrayList<>();
            for (String key : keys.subList(from, Math.min(keys.size(), from + DELETE_BATCH))) {
                batch.add(address.bucketKey(key));
            }
            byte[] body = S3Xml.deleteObjects(batch);
            S3Client.Answer answer = client.exchange(
                    new S3Client.Call(
                            "POST",
                            address.bucketUrl("delete="),
                            Map.of("Content-MD5", md5(body), "Content-Type", "application/xml"),
                            S3Client.Body.of(body),
                            "DeleteObjects",
                            address.describe(keys.get(from)) + " and " + (batch.size() - 1) + " more",
                            true),
                    OK,
                    MAX_XML);
            List<String> kept = S3Xml.notDeleted(answer.body());
            if (!kept.isEmpty()) {
                throw new IOException("S3 DeleteObjects in " + address.bucket() + " kept " + kept);
            }
        }
    }

    /**
     * A page of the objects whose keys start with {@code prefix} (datastore keys), with {@code
     * delimiter} ('/': one level, with the common prefixes) or none (null: every key below); from
     * the page {@code token} names (null: the first). Keys come back as datastore keys.
     */
    S3Xml.ListPage list(String prefix, String delimiter, String token) throws IOException {
        StringBuilder query = new StringBuilder("list-type=2&prefix=").append(SigV4.encode(address.bucketKey(prefix)));
        if (delimiter != null) {
            query.append("&delimiter=").append(SigV4.encode(delimiter));
        }
        if (token != null) {
            query.append("&continuation-token=").append(SigV4.encode(token));
        }
        S3Xml.ListPage page = S3Xml.listPage(bucketGet(query, "LIST", prefix));
        List<S3Xml.Listed> objects = new ArrayList<>();
        for (S3Xml.Listed o : page.objects()) {
            objects.add(new S3Xml.Listed(address.storeKey(o.key()), o.size(), o.modifiedMillis()));
        }
        List<String> prefixes = new ArrayList<>();
        for (String p : page.prefixes()) {
            prefixes.add(address.storeKey(p));
        }
        return new S3Xml.ListPage(objects, prefixes, page.next());
    }

    /** Every object whose key starts with {@code prefix}, page after page. */
    List<S3Xml.Listed> listAll(String prefix) throws IOException {
        List<S3Xml.Listed> all = new ArrayList<>();
        String token = null;
        do {
            S3Xml.ListPage page = list(prefix, null, token);
            all.addAll(page.objects());
            token = page.next();
        } while (token != null);
        return all;
    }

    String createMultipart(String key) throws IOException {
        S3Client.Answer answer = client.exchange(call("POST", key, "uploads=", Map.of(), null, false), OK, MAX_XML);
        return S3Xml.uploadId(answer.body());
    }

    /** Uploads part {@code number} (from 1); its ETag. */
    String uploadPart(String key, String uploadId, int number, S3Client.Body body) throws IOException {
        S3Client.Answer answer =
                client.exchange(call("PUT", key, partQuery(uploadId, number), Map.of(), body, true), OK, MAX_XML);
        String etag = answer.header("ETag");
        if (etag == null) {
            throw new S3Exception("PUT part " + number, address.describe(key), 200, null, "the answer has no ETag");
        }
        return etag;
    }

    void completeMultipart(String key, String uploadId, List<String> etags) throws IOException {
        S3Client.Answer answer = client.exchange(
                call(
                        "POST",
                        key,
                        "uploadId=" + SigV4.encode(uploadId),
                        Map.of("Content-Type", "application/xml"),
                        S3Client.Body.of(S3Xml.completeMultipartUpload(etags)),
                        false),
                OK,
                MAX_XML);
        answered(answer, S3Xml::completed, "complete multipart upload", key);
    }

    /** Aborts a multipart upload; one gone already is no error. */
    void abortMultipart(String key, String uploadId) throws IOException {
        client.exchange(
                call("DELETE", key, "uploadId=" + SigV4.encode(uploadId), Map.of(), null, true),
                Set.of(200, 204, 404),
                MAX_XML);
    }

    /** The XML body of a GET of the bucket with {@code query}, a listing named {@code what} of {@code prefix}. */
    private byte[] bucketGet(CharSequence query, String what, String prefix) throws IOException {
        return client.exchange(
                        new S3Client.Call(
                                "GET",
                                address.bucketUrl(query.toString()),
                                Map.of(),
                                null,
                                what,
                                address.describe(prefix),
                                true),
                        OK,
                        MAX_XML)
                .body();
    }

    /** The multipart uploads in progress under {@code prefix}, each as its datastore key and upload id. */
    List<String[]> multipartUploads(String prefix) throws IOException {
        List<String[]> out = new ArrayList<>();
        String keyMarker = null;
        String idMarker = null;
        do {
            StringBuilder query = new StringBuilder("prefix=")
                    .append(SigV4.encode(address.bucketKey(prefix)))
                    .append("&uploads=");
            if (keyMarker != null) {
                query.append("&key-marker=").append(SigV4.encode(keyMarker));
                if (idMarker != null) {
                    query.append("&upload-id-marker=").append(SigV4.encode(idMarker));
                }
            }
            S3Xml.Uploads page = S3Xml.uploads(bucketGet(query, "list multipart uploads", prefix));
            for (Map<String, String> upload : page.uploads()) {
                out.add(new String[] {address.storeKey(upload.get("Key")), upload.get("UploadId")});
            }
            keyMarker = page.nextKey();
            idMarker = page.nextUploadId();
        } while (keyMarker != null);
        return out;
    }

    /** Copies the object {@code from} to {@code to} in the store (CopyObject, up to 5 GiB), replacing any. */
    void copy(String from, String to) throws IOException {
        S3Client.Answer answer = client.exchange(
                call("PUT", to, null, Map.of("x-amz-copy-source", address.copySource(from)), null, true), OK, MAX_XML);
        answered(answer, S3Xml::copied, "copy " + address.describe(from) + " to", to);
    }

    /** Copies bytes {@code first} to {@code last} of {@code from} as part {@code number} of an upload to {@code to}; its ETag. */
    String uploadPartCopy(String from, String to, String uploadId, int number, long first, long last)
            throws IOException {
        S3Client.Answer answer = client.exchange(
                call(
                        "PUT",
                        to,
                        partQuery(uploadId, number),
                        Map.of(
                                "x-amz-copy-source",
                                address.copySource(from),
                                "x-amz-copy-source-range",
                                "bytes=" + first + "-" + last),
                        null,
                        true),
                OK,
                MAX_XML);
        return answered(answer, S3Xml::copied, "copy part " + number + " of " + address.describe(from) + " to", to);
    }

    /** How an answer that S3 may give with 200 and an Error is read. */
    private interface Result<T> {
        T read(byte[] xml) throws IOException;
    }

    /** What a result says, or the S3Exception of the Error S3 answered instead. */
    private <T> T answered(S3Client.Answer answer, Result<T> result, String what, String key) throws IOException {
        try {
            return result.read(answer.body());
        } catch (S3Xml.ErrorAnswer e) {
            throw new S3Exception(
                    what,
                    address.describe(key),
                    200,
                    e.error().code(),
                    e.error().message());
        } catch (IOException e) {
            throw new S3Exception(what, address.describe(key), 200, null, e.getMessage(), e);
        }
    }

    private S3Client.Call call(
            String method,
            String key,
            String query,
            Map<String, String> headers,
            S3Client.Body body,
            boolean idempotent) {
        String what = query == null ? method : method + " ?" + query.replaceAll("=.*", "");
        return new S3Client.Call(
                method, address.object(key, query), headers, body, what, address.describe(key), idempotent);
    }

    private static String partQuery(String uploadId, int number) {
        return "partNumber=" + number + "&uploadId=" + SigV4.encode(uploadId);
    }

    private static long lastModified(String header) throws IOException {
        try {
            return ZonedDateTime.parse(header, DateTimeFormatter.RFC_1123_DATE_TIME)
                    .toInstant()
                    .toEpochMilli();
        } catch (DateTimeParseException | NullPointerException e) {
            throw new IOException("S3 answered a Last-Modified that is no time: " + header);
        }
    }

    private static String md5(byte[] body) {
        try {
            return Base64.getEncoder()
                    .encodeToString(MessageDigest.getInstance("MD5").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
