package dev.registrycache.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.settings.S3Settings;
import dev.registrycache.common.store.StoreKeys;
import dev.registrycache.common.store.location.StoreLocation;
import dev.registrycache.testsupport.Await;
import dev.registrycache.testsupport.Image;
import dev.registrycache.testsupport.Layer;
import dev.registrycache.testsupport.OciImages;
import dev.registrycache.testsupport.RegistryClient;
import dev.registrycache.testsupport.S3Server;
import dev.registrycache.testsupport.SlowClient;
import dev.registrycache.testsupport.TcpRelay;
import dev.registrycache.testsupport.UpstreamRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Warm blobs served by a node from an S3 datastore (s3proxy, behind a relay that can stall or
 * break the store's answers): the bytes go out as the store's GET brings them, not once a large
 * buffer of them is full; a GET that breaks off and cannot resume breaks the client's transfer
 * off, never ending it short as if complete; a client that stops reading holds the store's
 * connection only until its idle timeout; ranges and {@code If-None-Match} answer as on files.
 */
@Tag("e2e")
class S3WarmBlobsE2ETest {
    private static final String REPOSITORY = "quay.io/team/app";
    private static final String PREFIX = "warm";

    @TempDir
    Path dir;

    private S3Server s3;
    private TcpRelay relay;
    private UpstreamRegistry upstream;
    private RegistryNode node;
    private Layer layer;

    @BeforeEach
    void pullOnce() throws Exception {
        Image image = OciImages.image()
                .oci()
                .seed(2603)
                .layers(1)
                .layerSize(16 << 20)
                .storeIn(dir.resolve("image"))
                .build();
        layer = image.layers().get(0);
        s3 = S3Server.plain();
        relay = TcpRelay.to(s3.endpoint().getPort());
        upstream = UpstreamRegistry.plain();
        upstream.push(image, "team/app", "v1");
        Map<String, String> env = new HashMap<>(s3.environment(PREFIX));
        env.put("S3_ENDPOINT", relay.baseUrl());
        NodeConfig config = LoopbackNodes.config(
                        "quay.io", upstream.baseUrl(), Optional.empty(), dir.resolve("data"), dir.resolve("logs"), 0)
                .withStore(StoreLocation.folder(dir.resolve("data")).inBucket(S3Settings.from(env)));
        node = new RegistryNode(config).start();
        RegistryClient client = client();
        assertEquals(200, client.getManifest(REPOSITORY, "v1").status());
        assertEquals(layer.digest(), client.blobSha256(REPOSITORY, layer.digest()));
    }

    @AfterEach
    void stop() throws Exception {
        try (UpstreamRegistry u = upstream;
                S3Server s = s3;
                TcpRelay r = relay;
                RegistryNode n = node) {
            // closed in reverse order, each even if another fails
        }
    }

    private RegistryClient client() {
        return new RegistryClient("http://127.0.0.1:" + node.port());
    }

    @Test
    void theFirstBytesGoOutAsTheStoreSendsThemAndABrokenGetBreaksTheTransferOff() throws IOException {
        relay.holdAnswersAfter(2 << 20);
        try (SlowClient reader =
                SlowClient.get(node.port(), "/v2/" + REPOSITORY + "/blobs/" + layer.digest(), SlowClient.Pace.FAST)) {
            assertEquals(200, reader.status());
            reader.readUntil(1 << 20); // the store sent 2 MiB and holds the rest: those must be out

            s3.client().delete(PREFIX + "/" + StoreKeys.blobData(Digest.parse(layer.digest())));
            relay.mode(TcpRelay.Mode.FORWARD); // breaks the store's GET off; the next one finds no object
            IOException cut = assertThrows(IOException.class, reader::readToEnd);
            assertTrue(cut.getMessage().contains("cut"), cut.getMessage());
        }
    }

    @Test
    void aClientThatStopsReadingHoldsNoConnectionToTheStoreForLong() throws IOException {
        try (SlowClient reader =
                SlowClient.get(node.port(), "/v2/" + REPOSITORY + "/blobs/" + layer.digest(), SlowClient.Pace.FAST)) {
            reader.readUntil(1 << 20);
            // and no more: the node's GET of the object waits on it, until the store's idle timeout (30 s)
            Await.until(
                    "the node holds no connection to the store",
                    Duration.ofSeconds(120),
                    () -> relay.openConnections() == 0);
        }
    }

    @Test
    void rangesAndIfNoneMatchAnswerAsOnFiles() throws IOException {
        byte[] whole = layer.blob().bytes();
        String path = "/v2/" + REPOSITORY + "/blobs/" + layer.digest();
        RegistryClient client = client();

        RegistryClient.Response middle = client.get(path, "Range", "bytes=100-199");
        assertEquals(206, middle.status());
        assertEquals(
                "bytes 100-199/" + whole.length, middle.header("Content-Range").orElseThrow());
        assertArrayEquals(Arrays.copyOfRange(whole, 100, 200), middle.body());

        long from = (9L << 20) + 7;
        RegistryClient.Response tail = client.get(path, "Range", "bytes=" + from + "-");
        assertEquals(206, tail.status());
        assertArrayEquals(Arrays.copyOfRange(whole, (int) from, whole.length), tail.body());

        RegistryClient.Response suffix = client.get(path, "Range", "bytes=-1000");
        assertEquals(206, suffix.status());
        assertArrayEquals(Arrays.copyOfRange(whole, whole.length - 1000, whole.length), suffix.body());

        assertEquals(
                416, client.get(path, "Range", "bytes=" + whole.length + "-").status());

        RegistryClient.Response notModified = client.get(path, "If-None-Match", "\"" + layer.digest() + "\"");
        assertEquals(304, notModified.status());
        assertEquals(0, notModified.body().length);

        RegistryClient.Response head = client.head(path);
        assertEquals(200, head.status());
        assertEquals(Long.toString(whole.length), head.header("Content-Length").orElseThrow());
    }
}
