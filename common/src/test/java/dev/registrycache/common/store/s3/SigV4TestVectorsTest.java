package dev.registrycache.common.store.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The signer against AWS's published examples: the S3 examples of the SigV4 documentation
 * ("Examples of how to calculate a signature": GET object with Range, PUT object, GET bucket
 * lifecycle, list objects, a pre-signed URL) and the requests of the aws-sig-v4-test-suite that
 * apply to S3 (no path normalisation, which S3 does not do).
 */
class SigV4TestVectorsTest {
    /** The S3 documentation's examples: examplebucket, 2013-05-24T00:00:00Z, us-east-1. */
    private static final SigV4 S3_EXAMPLES = new SigV4(
            "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", Optional.empty(), "us-east-1", "s3");

    private static final Instant S3_DATE = Instant.parse("2013-05-24T00:00:00Z");
    private static final String HOST = "https://examplebucket.s3.amazonaws.com";

    /** The test suite's requests: service "service", 2015-08-30T12:36:00Z, us-east-1. */
    private static final SigV4 SUITE = new SigV4(
            "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", Optional.empty(), "us-east-1", "service");

    private static final String SUITE_STAMP = "20150830T123600Z";

    private static String signature(Map<String, String> added) {
        String authorization = added.get("Authorization");
        return authorization.substring(authorization.indexOf("Signature=") + "Signature=".length());
    }

    @Test
    void getObjectWithARange() {
        Map<String, String> added = S3_EXAMPLES.sign(
                "GET", URI.create(HOST + "/test.txt"), Map.of("Range", "bytes=0-9"), SigV4.EMPTY_SHA256, S3_DATE);
        assertEquals(
                "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
                        + " SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
                        + " Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
                added.get("Authorization"));
        assertEquals("20130524T000000Z", added.get("x-amz-date"));
        assertEquals(SigV4.EMPTY_SHA256, added.get("x-amz-content-sha256"));
    }

    @Test
    void putObjectWithASignedPayloadAndAnEncodedKey() {
        byte[] body = "Welcome to Amazon S3.".getBytes(StandardCharsets.UTF_8);
        String payload = SigV4.sha256Hex(body);
        assertEquals("44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072", payload);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Date", "Fri, 24 May 2013 00:00:00 GMT");
        headers.put("x-amz-storage-class", "REDUCED_REDUNDANCY");
        Map<String, String> added = S3_EXAMPLES.sign(
                "PUT", URI.create(HOST + "/" + SigV4.encodePath("test$file.text")), headers, payload, S3_DATE);
        assertEquals("98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd", signature(added));
    }

    @Test
    void getBucketLifecycleWithAQueryParameterWithoutValue() {
        Map<String, String> added =
                S3_EXAMPLES.sign("GET", URI.create(HOST + "/?lifecycle="), Map.of(), SigV4.EMPTY_SHA256, S3_DATE);
        assertEquals("fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543", signature(added));
    }

    @Test
    void listObjectsSortsTheQuery() {
        Map<String, String> added = S3_EXAMPLES.sign(
                "GET", URI.create(HOST + "/?max-keys=2&prefix=J"), Map.of(), SigV4.EMPTY_SHA256, S3_DATE);
        assertEquals("34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7", signature(added));
    }

    @Test
    void aPresignedGet() {
        URI url = S3_EXAMPLES.presign("GET", URI.create(HOST + "/test.txt"), Duration.ofDays(1), S3_DATE);
        assertEquals(
                HOST + "/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                        + "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
                        + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
                        + "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
                url.toString());
    }

    @Test
    void aPresignedUrlLastsAtMostSevenDays() {
        URI object = URI.create(HOST + "/test.txt");
        assertThrows(
                IllegalArgumentException.class, () -> S3_EXAMPLES.presign("GET", object, Duration.ofDays(8), S3_DATE));
        assertThrows(IllegalArgumentException.class, () -> S3_EXAMPLES.presign("GET", object, Duration.ZERO, S3_DATE));
    }

    /** One request of the test suite, signed with exactly the headers it lists. */
    private static String suite(
            String method, String rawPath, String rawQuery, Map<String, String> extra, String body) {
        SortedMap<String, String> headers = new TreeMap<>(extra);
        headers.put("host", "example.amazonaws.com");
        headers.put("x-amz-date", SUITE_STAMP);
        String authorization = SUITE.authorization(
                method,
                rawPath,
                rawQuery,
                headers,
                SigV4.sha256Hex(body.getBytes(StandardCharsets.UTF_8)),
                SUITE_STAMP);
        return authorization.substring(authorization.indexOf("Signature=") + "Signature=".length());
    }

    @Test
    void theTestSuitesVanillaRequests() {
        assertEquals(
                "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
                suite("GET", "/", null, Map.of(), ""),
                "get-vanilla");
        assertEquals(
                "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
                suite("POST", "/", null, Map.of(), ""),
                "post-vanilla");
        assertEquals(
                "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb",
                suite("GET", "/", "Param1=value1", Map.of(), ""),
                "get-vanilla-empty-query-key");
        assertEquals(
                "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
                suite("POST", "/", "Param1=value1", Map.of(), ""),
                "post-vanilla-query");
    }

    @Test
    void theTestSuitesQueriesAreSortedAndEncoded() {
        assertEquals(
                "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
                suite("GET", "/", "Param2=value2&Param1=value1", Map.of(), ""),
                "get-vanilla-query-order-key-case");
        String unreserved = "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        assertEquals(
                "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197",
                suite("GET", "/", SigV4.encode(unreserved) + "=" + SigV4.encode(unreserved), Map.of(), ""),
                "get-vanilla-query-unreserved");
        assertEquals(
                "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04",
                suite("GET", "/", SigV4.encode("\u1234") + "=bar", Map.of(), ""),
                "get-vanilla-utf8-query");
        assertEquals(
                "66c82657c86e26fb25238d0e69f011edc4c6df5ae71119d7cb98ed9b87393c1e",
                suite(
                        "POST",
                        "/",
                        SigV4.encode("@#$%^") + "=&" + SigV4.encode("+") + "=" + SigV4.encode("/,?><`\";:\\|][{}"),
                        Map.of(),
                        ""),
                "post-vanilla-query-nonunreserved");
    }

    @Test
    void theTestSuitesPathsAreEncodedOnce() {
        String unreserved = "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        assertEquals(
                "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f",
                suite("GET", SigV4.encodePath("/" + unreserved), null, Map.of(), ""),
                "get-unreserved");
        assertEquals(
                "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85",
                suite("GET", SigV4.encodePath("/\u1234"), null, Map.of(), ""),
                "get-utf8");
    }

    @Test
    void theTestSuitesHeadersAreSortedTrimmedAndKeptInTheirCase() {
        assertEquals(
                "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
                suite("GET", "/", null, Map.of("my-header1", "value1", "my-header2", "\"a   b   c\""), ""),
                "get-header-value-trim");
        assertEquals(
                "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01",
                suite("GET", "/", null, Map.of("my-header1", "value4,value1,value3,value2"), ""),
                "get-header-value-order");
        assertEquals(
                "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d",
                suite("POST", "/", null, Map.of("my-header1", "VALUE1"), ""),
                "post-header-value-case");
        assertEquals(
                "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
                suite("POST", "/", null, Map.of("content-type", "application/x-www-form-urlencoded"), "Param1=value1"),
                "post-x-www-form-urlencoded");
    }
}
