import io.minio.AbortMultipartUploadArgs;
import io.minio.CopyObjectArgs;
import io.minio.CreateMultipartUploadArgs;
import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.ListObjectsArgs;
import io.minio.MinioAsyncClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.SourceObject;
import io.minio.StatObjectArgs;
import io.minio.UploadPartArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.messages.Item;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import okhttp3.OkHttpClient;

/**
 * MinIO's Java client on OkHttp. Its one client is asynchronous ({@code MinioClient} waits on the
 * same calls); large uploads go through {@code putObject} with a stream, which reads each part into
 * memory and uploads it, the library's only way to stream a multipart upload.
 */
final class MinioCandidate implements Candidate {
    private final MinioAsyncClient minio;
    private final String bucket;

    MinioCandidate(Target target) throws Exception {
        MinioAsyncClient.Builder builder = MinioAsyncClient.builder()
                .endpoint(target.endpoint().toString())
                .region(target.region())
                .credentials(target.accessKey(), target.secretKey());
        if (target.trust().isPresent()) {
            Trust trust = target.trust().get();
            builder.httpClient(new OkHttpClient.Builder()
                    .sslSocketFactory(trust.context().getSocketFactory(), trust.x509())
                    .build());
        }
        this.minio = builder.build();
        this.bucket = target.bucket();
    }

    @Override
    public void put(String key, byte[] body) throws Exception {
        await(minio.putObject(PutObjectArgs.builder().bucket(bucket).object(key).data(body, body.length).build()));
    }

    @Override
    public boolean putIfAbsent(String key, byte[] body) throws Exception {
        try {
            put(PutObjectArgs.builder()
                    .bucket(bucket)
                    .object(key)
                    .headers(Map.of("If-None-Match", "*"))
                    .data(body, body.length)
                    .build());
            return true;
        } catch (ErrorResponseException e) {
            if (e.response().code() == 412) {
                return false;
            }
            throw e;
        }
    }

    private void put(PutObjectArgs args) throws Exception {
        await(minio.putObject(args));
    }

    @Override
    public long size(String key) throws Exception {
        try {
            return await(minio.statObject(StatObjectArgs.builder().bucket(bucket).object(key).build())).size();
        } catch (ErrorResponseException e) {
            if (e.response().code() == 404) {
                return -1;
            }
            throw e;
        }
    }

    @Override
    public byte[] read(String key, long offset, int length) throws Exception {
        GetObjectArgs args = GetObjectArgs.builder().bucket(bucket).object(key).offset(offset).length((long) length).build();
        try (GetObjectResponse in = await(minio.getObject(args))) {
            return in.readAllBytes();
        }
    }

    @Override
    public List<String> list(String prefix) throws Exception {
        List<String> keys = new ArrayList<>();
        for (Result<Item> item : minio.listObjects(ListObjectsArgs.builder().bucket(bucket).prefix(prefix).recursive(true).build())) {
            keys.add(item.get().objectName());
        }
        return keys;
    }

    @Override
    public void copy(String from, String to) throws Exception {
        await(minio.copyObject(CopyObjectArgs.builder()
                .bucket(bucket)
                .object(to)
                .source(SourceObject.builder().bucket(bucket).object(from).build())
                .build()));
    }

    @Override
    public void delete(String key) throws Exception {
        await(minio.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key).build()));
    }

    @Override
    public void abortedUpload(String key, byte[] part) throws Exception {
        String id = await(minio.createMultipartUpload(CreateMultipartUploadArgs.builder().bucket(bucket).object(key).build()))
                .result()
                .uploadId();
        await(minio.uploadPart(UploadPartArgs.builder()
                .bucket(bucket)
                .object(key)
                .uploadId(id)
                .partNumber(1)
                .data(part, part.length)
                .build()));
        await(minio.abortMultipartUpload(AbortMultipartUploadArgs.builder().bucket(bucket).object(key).uploadId(id).build()));
    }

    @Override
    public void upload(String key, InputStream in, long size, int partSize) throws Exception {
        put(PutObjectArgs.builder().bucket(bucket).object(key).stream(in, size, (long) partSize).build());
    }

    @Override
    public long download(String key) throws Exception {
        try (GetObjectResponse in = await(minio.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build()))) {
            return Drain.stream(in);
        }
    }

    @Override
    public void close() throws Exception {
        minio.close();
    }

    private static <T> T await(CompletableFuture<T> future) throws Exception {
        try {
            return future.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }
}
