package dev.registrycache.cleaner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.registrycache.common.Json;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.settings.ByteSize;
import dev.registrycache.common.store.Datastore;
import dev.registrycache.node.LoopbackNodes;
import dev.registrycache.node.RegistryNode;
import dev.registrycache.testsupport.Image;
import dev.registrycache.testsupport.OciImages;
import dev.registrycache.testsupport.Sha256;
import dev.registrycache.testsupport.Skopeo;
import dev.registrycache.testsupport.TestStore;
import dev.registrycache.testsupport.UpstreamRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Eviction next to a real node in front of docker-registry, while clients keep pulling. */
@Tag("e2e")
class EvictionE2ETest {
    private static final String ACCEPT = "application/vnd.oci.image.manifest.v1+json";

    /** Where the node and the cleaner keep the datastore: the S3 variant overrides this. */
    TestStore store() {
        return TestStore.FILES;
    }

    @Test
    void evictingWhileClientsPullFailsNoPullCorruptsNothingAndEvictedImagesPullAgain(@TempDir Path dir)
            throws Exception {
        List<Image> images = new ArrayList<>();
        try (UpstreamRegistry upstream = UpstreamRegistry.plain()) {
            for (int i = 0; i < 3; i++) {
                Image image = OciImages.image()
                        .oci()
                        .seed(60 + i)
                        .layers(2)
                        .layerSize(400_000)
                        .build();
                upstream.push(image, "team/img" + i, "v1");
                images.add(image);
            }
            Path data = dir.resolve("data");
            try (RegistryNode node = new RegistryNode(
                                    LoopbackNodes.config("quay.io", upstream.baseUrl(), data, dir.resolve("logs"), 0)
                                            .withStore(store().location(data)))
                            .start();
                    Datastore store = store().open(data)) {
                Cleaner cleaner = new Cleaner(
                        store,
                        ByteSize.ofBytes(500_000),
                        0,
                        Duration.ZERO,
                        new PrintStream(new ByteArrayOutputStream()));
                HttpClient http = HttpClient.newHttpClient();
                String base = "http://127.0.0.1:" + node.port() + "/v2/quay.io/team/img";
                AtomicBoolean running = new AtomicBoolean(true);
                AtomicInteger pulls = new AtomicInteger();
                ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
                List<Thread> clients = new ArrayList<>();
                for (int c = 0; c < 3; c++) {
                    int which = c;
                    Thread t = new Thread(() -> {
                        while (running.get()) {
                            try {
                                HttpResponse<byte[]> m = http.send(
                                        HttpRequest.newBuilder(URI.create(base + which + "/manifests/v1"))
                                                .header("Accept", ACCEPT)
                                                .build(),
                                        HttpResponse.BodyHandlers.ofByteArray());
                                check(
                                        failures,
                                        "manifest",
                                        m,
                                        images.get(which).manifest().digest());
                                JsonNode manifest = Json.MAPPER.readTree(m.body());
                                List<String> blobs = new ArrayList<>();
                                blobs.add(manifest.path("config").path("digest").asText());
                                manifest.path("layers")
                                        .forEach(l -> blobs.add(l.path("digest").asText()));
                                for (String blob : blobs) {
                                    HttpResponse<byte[]> b = http.send(
                                            HttpRequest.newBuilder(URI.create(base + which + "/blobs/" + blob))
                                                    .build(),
                                            HttpResponse.BodyHandlers.ofByteArray());
                                    check(failures, "blob", b, blob);
                                }
                                pulls.incrementAndGet();
                            } catch (Exception e) {
                                failures.add(e.toString());
                            }
                        }
                    });
                    t.start();
                    clients.add(t);
                }
                int passes = 0;
                int deleted = 0;
                // passes while the clients pull, until both did enough (on S3 each takes longer)
                long end = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                while ((pulls.get() <= 10 || deleted <= 10) && System.nanoTime() < end) {
                    deleted += cleaner.run(false).deleted();
                    passes++;
                    Thread.sleep(20); // the pace of the passes while the clients pull: not a wait for anything
                }
                running.set(false);
                for (Thread t : clients) {
                    t.join();
                }
                assertTrue(failures.isEmpty(), failures.size() + " failures, e.g. " + failures.peek());
                assertTrue(
                        pulls.get() > 10 && deleted > 10,
                        pulls + " pulls, " + deleted + " blobs evicted in " + passes + " passes");
                for (Image image : images) {
                    List<String> digests =
                            new ArrayList<>(List.of(image.manifest().digest()));
                    image.blobs().forEach(b -> digests.add(b.digest()));
                    for (String digest : digests) {
                        Digest d = Digest.parse(digest);
                        if (store.blobSize(d) >= 0) {
                            assertEquals(digest, Sha256.of(store.readBlob(d, Integer.MAX_VALUE)), "corrupt blob");
                        }
                    }
                }
                // everything evicted: images pull again, from the upstream
                new Cleaner(store, ByteSize.ofBytes(0), 0, Duration.ZERO, new PrintStream(new ByteArrayOutputStream()))
                        .run(false);
                String layer = images.get(0).layer(0).digest();
                int before = upstream.requestCount("GET", "/blobs/" + layer);
                Skopeo.create()
                        .copy(
                                "docker://127.0.0.1:" + node.port() + "/quay.io/team/img0:v1",
                                "dir:" + dir.resolve("again"));
                assertEquals(
                        images.get(0).manifest().digest(),
                        Sha256.of(Files.readAllBytes(dir.resolve("again/manifest.json"))));
                assertEquals(before + 1, upstream.requestCount("GET", "/blobs/" + layer));
            }
        }
    }

    private static void check(
            ConcurrentLinkedQueue<String> failures, String what, HttpResponse<byte[]> r, String digest) {
        if (r.statusCode() != 200) {
            failures.add(what + " " + digest + " status " + r.statusCode() + ": " + new String(r.body()));
        } else if (!digest.equals(Sha256.of(r.body()))) {
            failures.add(what + " " + digest + " arrived corrupt");
        }
    }
}
