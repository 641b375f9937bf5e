import java.net.URI;
import java.util.Optional;

/** Where the candidates send their requests: s3proxy's endpoint, bucket, region, keys and certificate. */
record Target(URI endpoint, String bucket, String region, String accessKey, String secretKey, Optional<Trust> trust) {}
