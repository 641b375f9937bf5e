import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * AWS SDK for Java v2, synchronous, on its lightest HTTP client (HttpURLConnection, no further jars),
 * configured as the driver would be: path-style, static keys, and checksums only where S3 requires
 * them (the driver verifies SHA-256 digests itself, and many S3-compatible stores refuse the SDK's
 * default CRC trailers).
 */
final class AwsSdkCandidate implements Candidate {
    private final S3Client s3;
    private final String bucket;

    AwsSdkCandidate(Target target) {
        UrlConnectionHttpClient.Builder http = UrlConnectionHttpClient.builder();
        target.trust().ifPresent(trust -> http.tlsTrustManagersProvider(trust::managers));
        this.s3 = S3Client.builder()
                .endpointOverride(target.endpoint())
                .region(Region.of(target.region()))
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(target.accessKey(), target.secretKey())))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClient(http.build())
                .build();
        this.bucket = target.bucket();
    }

    @Override
    public void put(String key, byte[] body) {
        s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(body));
    }

    @Override
    public boolean putIfAbsent(String key, byte[] body) {
        try {
            s3.putObject(b -> b.bucket(bucket).key(key).ifNoneMatch("*"), RequestBody.fromBytes(body));
            return true;
        } catch (S3Exception e) {
            if (e.statusCode() == 412) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public long size(String key) {
        try {
            return s3.headObject(b -> b.bucket(bucket).key(key)).contentLength();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return -1;
            }
            throw e;
        }
    }

    @Override
    public byte[] read(String key, long offset, int length) {
        String range = "bytes=" + offset + "-" + (offset + length - 1);
        return s3.getObjectAsBytes(b -> b.bucket(bucket).key(key).range(range)).asByteArray();
    }

    @Override
    public List<String> list(String prefix) {
        List<String> keys = new ArrayList<>();
        for (S3Object object : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents()) {
            keys.add(object.key());
        }
        return keys;
    }

    @Override
    public void copy(String from, String to) {
        s3.copyObject(b -> b.sourceBucket(bucket).sourceKey(from).destinationBucket(bucket).destinationKey(to));
    }

    @Override
    public void delete(String key) {
        s3.deleteObject(b -> b.bucket(bucket).key(key));
    }

    @Override
    public void abortedUpload(String key, byte[] part) {
        String id = s3.createMultipartUpload(b -> b.bucket(bucket).key(key)).uploadId();
        s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(id).partNumber(1), RequestBody.fromBytes(part));
        s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(id));
    }

    @Override
    public void upload(String key, InputStream in, long size, int partSize) {
        String id = s3.createMultipartUpload(b -> b.bucket(bucket).key(key)).uploadId();
        try {
            List<CompletedPart> parts = new ArrayList<>();
            for (long done = 0; done < size; done += partSize) {
                long length = Math.min(partSize, size - done);
                int number = parts.size() + 1;
                String etag = s3.uploadPart(
                                b -> b.bucket(bucket).key(key).uploadId(id).partNumber(number).contentLength(length),
                                RequestBody.fromInputStream(new Part(in, length), length))
                        .eTag();
                parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
            }
            s3.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(id)
                    .multipartUpload(CompletedMultipartUpload.builder().parts(parts).build()));
        } catch (RuntimeException e) {
            s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(id));
            throw e;
        }
    }

    @Override
    public long download(String key) throws Exception {
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(bucket).key(key))) {
            return Drain.stream(in);
        }
    }

    @Override
    public void close() {
        s3.close();
    }
}
