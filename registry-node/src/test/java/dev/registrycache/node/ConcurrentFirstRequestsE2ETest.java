package dev.registrycache.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.registrycache.testsupport.Image;
import dev.registrycache.testsupport.OciImages;
import dev.registrycache.testsupport.RegistryClient;
import dev.registrycache.testsupport.TestCredentials;
import dev.registrycache.testsupport.TestStore;
import dev.registrycache.testsupport.TokenServer;
import dev.registrycache.testsupport.UpstreamRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A node that has just started knows nothing about its upstream's auth scheme: every request of
 * a burst is sent without credentials and challenged. Each must be retried with credentials, not
 * only the one that happened to learn the scheme first.
 */
@Tag("e2e")
class ConcurrentFirstRequestsE2ETest {
    private static final int IMAGES = 2;
    /** Per image: its manifest by tag, its config and its layers, each a distinct upstream request. */
    private static final int LAYERS = 14;

    private final List<Image> images = new ArrayList<>();

    ConcurrentFirstRequestsE2ETest() {
        for (int i = 0; i < IMAGES; i++) {
            images.add(OciImages.image()
                    .oci()
                    .seed(70 + i)
                    .layers(LAYERS)
                    .layerSize(4_000)
                    .build());
        }
    }

    /** Where the node keeps its datastore: its S3 variant overrides this. */
    TestStore store() {
        return TestStore.FILES;
    }

    @Test
    void everyConcurrentFirstRequestToABasicUpstreamSucceeds() throws Exception {
        TestCredentials user = TestCredentials.of("robot", "s3cret");
        try (UpstreamRegistry upstream = UpstreamRegistry.withHtpasswd(user)) {
            pushAll(upstream);
            try (NodeFixture node = new NodeFixture("quay.io", upstream.baseUrl(), user, null, store())) {
                assertAllSucceed(node, "quay.io");
            }
        }
    }

    @Test
    void everyConcurrentFirstRequestToABearerUpstreamSucceeds() throws Exception {
        TestCredentials user = TestCredentials.of("robot", "t0ken-pass");
        try (TokenServer tokens =
                        TokenServer.builder().user(user).allowAnonymous(false).start();
                UpstreamRegistry upstream = UpstreamRegistry.withTokenAuth(tokens)) {
            pushAll(upstream);
            try (NodeFixture node = new NodeFixture("docker.io", upstream.baseUrl(), user, null, store())) {
                assertAllSucceed(node, "docker.io");
            }
        }
    }

    private void pushAll(UpstreamRegistry upstream) {
        for (int i = 0; i < images.size(); i++) {
            upstream.push(images.get(i), "team/app" + i, "v1");
        }
    }

    /** Fires every request at once, after the node started and before it sent anything upstream. */
    private void assertAllSucceed(NodeFixture node, String prefix) throws Exception {
        RegistryClient client = node.client();
        List<Callable<String>> requests = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            Image image = images.get(i);
            String repository = prefix + "/team/app" + i;
            requests.add(() -> describe(
                    client.getManifest(repository, "v1"), image.manifest().digest()));
            requests.add(() -> describe(
                    client.getBlob(repository, image.config().digest()),
                    image.config().digest()));
            for (String layer : image.layerDigests()) {
                requests.add(() -> describe(client.getBlob(repository, layer), layer));
            }
        }
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(requests.size());
        try {
            List<Future<String>> answers = new ArrayList<>();
            for (Callable<String> request : requests) {
                answers.add(threads.submit(() -> {
                    start.await();
                    return request.call();
                }));
            }
            start.countDown();
            List<String> failures = new ArrayList<>();
            for (Future<String> answer : answers) {
                String outcome = answer.get(120, TimeUnit.SECONDS);
                if (!outcome.equals("ok")) {
                    failures.add(outcome);
                }
            }
            assertEquals(List.of(), failures, failures.size() + " of " + requests.size() + " requests failed");
        } finally {
            threads.shutdownNow();
        }
    }

    private static String describe(RegistryClient.Response response, String expectedDigest) {
        if (response.status() == 200 && response.sha256().equals(expectedDigest)) {
            return "ok";
        }
        return response.status() + " "
                + (response.body().length > 300 ? response.body().length + " bytes" : response.text());
    }
}
