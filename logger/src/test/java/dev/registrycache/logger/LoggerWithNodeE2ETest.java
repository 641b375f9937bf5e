package dev.registrycache.logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.logdir.LogDirLayout;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.RegistryHost;
import dev.registrycache.common.store.FileDatastore;
import dev.registrycache.common.store.StoreLayout;
import dev.registrycache.node.LoopbackNodes;
import dev.registrycache.node.RegistryNode;
import dev.registrycache.testsupport.Await;
import dev.registrycache.testsupport.Image;
import dev.registrycache.testsupport.OciImages;
import dev.registrycache.testsupport.UpstreamRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The logger reading what a real node writes: a pull by tag refreshes the manifest, its config and its layers. */
@Tag("e2e")
class LoggerWithNodeE2ETest {
    private static final Instant OLD = Instant.parse("2020-01-01T00:00:00Z");

    private static long lines(Path file) {
        try (var lines = Files.lines(file)) {
            return lines.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void aPullThroughTheNodeRefreshesEveryBlobOfTheImage(@TempDir Path dir) throws Exception {
        Image image =
                OciImages.image().oci().seed(71).layers(2).layerSize(20_000).build();
        try (UpstreamRegistry upstream = UpstreamRegistry.plain()) {
            upstream.push(image, "team/app", "v1");
            Path data = dir.resolve("data");
            Path logs = dir.resolve("logs");
            StoreLayout layout = new StoreLayout(data);
            List<Digest> all = new ArrayList<>();
            all.add(Digest.parse(image.manifest().digest()));
            all.add(Digest.parse(image.config().digest()));
            image.layers().forEach(l -> all.add(Digest.parse(l.digest())));
            try (RegistryNode node = LoopbackNodes.start("quay.io", upstream.baseUrl(), data, logs)) {
                HttpClient http = HttpClient.newHttpClient();
                String base = "http://127.0.0.1:" + node.port() + "/v2/quay.io/team/app/";
                http.send(
                        HttpRequest.newBuilder(URI.create(base + "manifests/v1"))
                                .header("Accept", "application/vnd.oci.image.manifest.v1+json")
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                http.send(
                        HttpRequest.newBuilder(URI.create(
                                        base + "blobs/" + image.config().digest()))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                for (Digest d : all.subList(0, 2)) {
                    setOld(layout, d);
                }
                for (var layer : image.layers()) {
                    // a layer the client already holds is not asked for: only the manifest refreshes it
                    Path layerData = layout.blobData(Digest.parse(layer.digest()));
                    Files.createDirectories(layerData.getParent());
                    Files.write(layerData, layer.blob().bytes());
                    setOld(layout, Digest.parse(layer.digest()));
                }
                http.send(
                        HttpRequest.newBuilder(URI.create(base + "manifests/v1"))
                                .header("Accept", "application/vnd.oci.image.manifest.v1+json")
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                Path accessLog = new LogDirLayout(logs).nodeAccessLog(RegistryHost.fromKey("quay.io"));
                // the node's access log is written by a thread of its own, after each response
                Await.until(
                        "the node's access log holding the three requests",
                        () -> Files.exists(accessLog) && lines(accessLog) >= 3);
            }
            AccessToucher toucher = Tailers.toucher(new FileDatastore(data));
            try (LogTailer tailer = Tailers.tailer(logs, new HashMap<>(), toucher::accept)) {
                tailer.poll();
                toucher.flush(); // as the logger does once caught up
                assertEquals(3, tailer.lines());
            }
            for (Digest d : all) {
                Instant atime = Files.readAttributes(layout.blobData(d), BasicFileAttributes.class)
                        .lastAccessTime()
                        .toInstant();
                assertTrue(atime.isAfter(Instant.now().minusSeconds(120)), d + " still at " + atime);
            }
        }
    }

    private static void setOld(StoreLayout layout, Digest d) throws Exception {
        Files.getFileAttributeView(layout.blobData(d), BasicFileAttributeView.class)
                .setTimes(FileTime.from(OLD), FileTime.from(OLD), null);
    }
}
