package dev.registrycache.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.store.StoreKeys;
import dev.registrycache.supervisor.Replicas.Replica;
import dev.registrycache.testsupport.Await;
import dev.registrycache.testsupport.Image;
import dev.registrycache.testsupport.OciImages;
import dev.registrycache.testsupport.S3Server;
import dev.registrycache.testsupport.Sha256;
import dev.registrycache.testsupport.Skopeo;
import dev.registrycache.testsupport.UpstreamRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scaling out on S3 without Kubernetes: three whole stacks on loopback keep one datastore in one
 * bucket (s3proxy), each with a data folder of its own for its uploads' local bytes, as the pods of
 * docker/kubernetes/s3/ do with an emptyDir; they find each other through a static peer list.
 */
@Tag("e2e")
class ReplicasOnS3IT {
    private static final String PREFIX = "caches/replicas";
    private static final String LEASE = PREFIX + "/" + StoreKeys.LEASES + "/cleaner";
    /** A term long enough that a holder starved of CPU on a busy CI machine still renews in time. */
    private static final Duration LEASE_TERM = Duration.ofSeconds(8);

    @Test
    void threeReplicasOnOneBucketFetchEachBlobOnceServeEachOthersBlobsWithoutTheUpstreamAndCleanOneAtATime(
            @TempDir Path dir) throws Exception {
        try (S3Server s3 = S3Server.plain();
                UpstreamRegistry upstream = UpstreamRegistry.plain();
                Replicas stacks = new Replicas(dir)) {
            List<Replica> replicas = stacks.start(3, upstream.baseUrl(), i -> onTheBucket(s3, dir, i));
            Image image = ownedByEach(replicas);
            upstream.push(image, "team/app", "v1");
            List<String> blobs = blobs(image);

            pullThroughEachAtOnce(replicas, image, dir);
            for (String digest : blobs) {
                assertEquals(1, upstream.requestCount("GET", "/blobs/" + digest), digest + ": " + upstream.requests());
            }
            List<String> keys = s3.client().keys(PREFIX + "/");
            for (String digest : blobs) {
                assertTrue(keys.contains(PREFIX + "/" + StoreKeys.blobData(Digest.parse(digest))), keys.toString());
            }
            for (int i = 0; i < replicas.size(); i++) {
                assertFalse(Files.exists(dataDir(dir, i).resolve("docker")), "the datastore is the bucket alone");
            }

            Replica holder = theOneLeaseHolder(s3, replicas, Optional.empty());
            holder.kill();
            upstream.stop();
            List<Replica> survivors = replicas.stream().filter(r -> r != holder).toList();
            // every blob from the bucket through the others, those the killed replica fetched among them
            assertTrue(blobs.stream().anyMatch(d -> Replicas.owner(replicas, d) == holder));
            for (String digest : blobs) {
                for (Replica via : survivors) {
                    assertEquals(digest, Replicas.pullBlob(via, "team/app", digest, 1, null));
                }
            }
            theOneLeaseHolder(s3, survivors, Optional.of(holder));
        }
    }

    /** An image that each replica owns blobs of: each fetches some of it from the upstream, for all. */
    private static Image ownedByEach(List<Replica> replicas) {
        for (long seed = 2605; ; seed++) {
            Image image = OciImages.image()
                    .oci()
                    .seed(seed)
                    .layers(4)
                    .layerSize(300_000)
                    .build();
            if (blobs(image).stream()
                            .map(d -> Replicas.owner(replicas, d).peer())
                            .distinct()
                            .count()
                    == replicas.size()) {
                return image;
            }
        }
    }

    /** The layers and the config. */
    private static List<String> blobs(Image image) {
        List<String> blobs = new ArrayList<>(image.layerDigests());
        blobs.add(image.config().digest());
        return blobs;
    }

    /** The S3 settings (one bucket and prefix for all) and a data folder of replica {@code i}'s own. */
    private static Map<String, String> onTheBucket(S3Server s3, Path dir, int i) {
        Map<String, String> env = new HashMap<>(s3.environment(PREFIX));
        env.put("DATA_DIR", dataDir(dir, i).toString());
        env.put("CLEANER_RUNEVERY_TIME", "1s");
        env.put("CLEANER_LEASE_TERM", LEASE_TERM.toSeconds() + "s");
        env.put("WARMUP_SIZE", "0");
        return env;
    }

    private static Path dataDir(Path dir, int i) {
        return dir.resolve("data-" + i);
    }

    /** skopeo pulls the image through every replica at the same time; each gets it whole and right. */
    private static void pullThroughEachAtOnce(List<Replica> replicas, Image image, Path dir) throws Exception {
        Skopeo skopeo = Skopeo.create();
        ExecutorService clients = Executors.newFixedThreadPool(replicas.size());
        try {
            List<Future<Path>> pulls = new ArrayList<>();
            for (Replica via : replicas) {
                Path out = dir.resolve("pulled-" + via.port());
                pulls.add(clients.submit(() -> {
                    skopeo.copy("docker://127.0.0.1:" + via.port() + "/quay.io/team/app:v1", "dir:" + out);
                    return out;
                }));
            }
            for (Future<Path> pull : pulls) {
                Path out = pull.get(3, TimeUnit.MINUTES);
                assertEquals(image.manifest().digest(), Sha256.of(out.resolve("manifest.json")));
                for (String digest : image.layerDigests()) {
                    assertEquals(digest, Sha256.of(out.resolve(Sha256.hex(digest))));
                }
                assertEquals(
                        image.config().digest(),
                        Sha256.of(out.resolve(Sha256.hex(image.config().digest()))));
            }
        } finally {
            clients.shutdownNow();
        }
    }

    /**
     * Waits until one of {@code replicas} holds the cleaner lease, the object in the bucket naming
     * it, while each other one has asked and been refused, and returns it. After a takeover (the
     * holder before was {@code killed}) it waits further, until the new holder has kept the lease
     * for a whole term, in which each other replica asks again (a refused replica asks once a
     * term): still only the one holds it.
     */
    private static Replica theOneLeaseHolder(S3Server s3, List<Replica> replicas, Optional<Replica> killed) {
        String before = killed.map(ReplicasOnS3IT::holderName).orElse(null);
        Await.until(
                "a replica taking the cleaner lease, its object in the bucket naming it",
                Duration.ofSeconds(60),
                () -> lease(s3)
                        .map(l -> !l.holder().equals(before)
                                && replicas.stream().anyMatch(r -> l.holder().equals(holderName(r))))
                        .orElse(false),
                () -> lease(s3).toString());
        Lease taken = lease(s3).orElseThrow();
        Replica holder = replicas.stream()
                .filter(r -> taken.holder().equals(holderName(r)))
                .findFirst()
                .orElseThrow();
        List<Replica> others = replicas.stream().filter(r -> r != holder).toList();
        Await.until(
                "every other replica asking for the lease and waiting",
                Duration.ofSeconds(60),
                () -> others.stream().allMatch(r -> r.printed("another replica holds the cleaner lease")));
        if (killed.isPresent()) {
            Await.until(
                    "the new holder keeping the lease for a whole term",
                    Duration.ofSeconds(60),
                    () -> lease(s3)
                            .map(l -> l.expiresMillis() >= taken.expiresMillis() + LEASE_TERM.toMillis())
                            .orElse(false));
        }
        assertEquals(Optional.of(taken.holder()), lease(s3).map(Lease::holder), "the lease stays with its holder");
        for (Replica r : others) {
            assertEquals(null, holderName(r), "one replica at a time holds the lease");
        }
        return holder;
    }

    /** The holder name of the last lease the replica said it took; null if it took none. */
    private static String holderName(Replica r) {
        String name = null;
        for (String line : r.lines()) {
            int at = line.indexOf("cleaner lease taken by ");
            if (at >= 0) {
                name = line.substring(at + "cleaner lease taken by ".length()).split(":")[0];
            }
        }
        return name;
    }

    /** The lease object as the bucket holds it: {@code <holder> <expiry in epoch millis>}. */
    private record Lease(String holder, long expiresMillis) {}

    private static Optional<Lease> lease(S3Server s3) {
        return s3.client().get(LEASE).map(bytes -> {
            String[] parts = new String(bytes, StandardCharsets.UTF_8).strip().split(" ");
            assertEquals(2, parts.length, "a lease object holds '<holder> <epoch millis>'");
            return new Lease(parts[0], Long.parseLong(parts[1]));
        });
    }
}
