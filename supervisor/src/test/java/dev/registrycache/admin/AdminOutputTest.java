package dev.registrycache.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.registrycache.client.CommandRun;
import org.junit.jupiter.api.Test;

/**
 * What people read: aligned tables with sizes as 12.3 MiB and times as how long ago, one line for
 * what an action did; with --json the API's answer as it came. Digests are short here: the CLI
 * shows what the API says.
 */
class AdminOutputTest {
    private static final String DIGEST = "sha256:" + "c1d6".repeat(16);

    private static final String PIN = "{\"repository\":\"quay.io/podman/hello\",\"digest\":\"sha256:1111\","
            + "\"reference\":\"latest\",\"by\":\"admin\",\"at\":\"2026-12-05T12:00:00Z\",\"blobs\":3,"
            + "\"bytes\":12897485,\"missingBlobs\":%d}";

    private static CommandRun run(String method, String path, int status, String answer, String... args)
            throws Exception {
        try (FakeAdminApi api = AdminCli.api()) {
            api.answer(method, path, status, answer);
            return AdminCli.asAdmin(api, args);
        }
    }

    private static void assertPrinted(String out, CommandRun run) {
        assertEquals(0, run.exit(), run.toString());
        assertEquals(out, run.out(), run.toString());
        assertEquals("", run.err(), run.toString());
    }

    @Test
    void listsTheRegistriesTheirRepositoriesAndARepositorysTags() throws Exception {
        assertPrinted(
                """
                REGISTRY    REPOSITORIES   SIZE
                quay.io     3              1.2 GiB
                docker.io   12             123 B
                """,
                run(
                        "GET",
                        "/admin/v1/registries",
                        200,
                        "{\"registries\":[{\"name\":\"quay.io\",\"repositories\":3,\"bytes\":1288490189},"
                                + "{\"name\":\"docker.io\",\"repositories\":12,\"bytes\":123}]}",
                        "list"));
        assertPrinted(
                """
                REPOSITORY             TAGS   SIZE
                quay.io/podman/hello   2      3.0 MiB
                """,
                run(
                        "GET",
                        "/admin/v1/repositories?registry=quay.io",
                        200,
                        "{\"repositories\":[{\"name\":\"quay.io/podman/hello\",\"tags\":2,\"bytes\":3145728}]}",
                        "list",
                        "quay.io"));
        assertPrinted(
                """
                TAG      DIGEST        SIZE       STORED     LAST USE   PINNED
                latest   sha256:1111   12.3 MiB   12.3 MiB   3 h ago    yes
                1.0      sha256:2222   2.0 KiB    0 B        -          no
                """,
                run(
                        "GET",
                        "/admin/v1/repositories/quay.io/podman/hello",
                        200,
                        "{\"name\":\"quay.io/podman/hello\",\"bytes\":12897485,\"tags\":["
                                + "{\"tag\":\"latest\",\"digest\":\"sha256:1111\",\"mediaType\":\"x\",\"size\":12897485,"
                                + "\"storedBytes\":12897485,\"lastUse\":\"2026-12-05T09:00:00Z\",\"pinned\":true},"
                                + "{\"tag\":\"1.0\",\"digest\":\"sha256:2222\",\"mediaType\":\"x\",\"size\":2048,"
                                + "\"storedBytes\":0,\"lastUse\":null,\"pinned\":false}]}",
                        "list",
                        "quay.io/podman/hello"));
    }

    @Test
    void listsThePinsAndTheQuarantinedDigests() throws Exception {
        assertPrinted(
                """
                IMAGE                                  DIGEST        SIZE       BLOBS   MISSING   BY      SINCE
                quay.io/podman/hello:latest            sha256:1111   12.3 MiB   3       0         admin   3 d ago
                docker.io/library/alpine@sha256:3333   sha256:3333   3.5 MiB    2       1         alice   just now
                """,
                run(
                        "GET",
                        "/admin/v1/pins",
                        200,
                        "{\"pins\":[" + String.format(PIN, 0).replace("2026-12-05T12", "2026-12-02T11")
                                + ",{\"repository\":\"docker.io/library/alpine\",\"digest\":\"sha256:3333\","
                                + "\"reference\":\"sha256:3333\",\"by\":\"alice\",\"at\":\"2026-12-05T11:59:30Z\","
                                + "\"blobs\":2,\"bytes\":3670016,\"missingBlobs\":1}]}",
                        "pins"));
        assertPrinted(
                """
                DIGEST        SINCE       BY      REASON
                sha256:4444   24 h ago    admin   CVE-2026-1234 in libfoo
                sha256:5555   5 min ago   -       -
                """,
                run(
                        "GET",
                        "/admin/v1/quarantine",
                        200,
                        "{\"quarantine\":[{\"digest\":\"sha256:4444\",\"reason\":\"CVE-2026-1234 in libfoo\","
                                + "\"by\":\"admin\",\"at\":\"2026-12-04T12:00:00Z\"},"
                                + "{\"digest\":\"sha256:5555\",\"at\":\"2026-12-05T11:55:00Z\"}]}",
                        "quarantined"));
    }

    @Test
    void saysWhatAnActionDid() throws Exception {
        assertPrinted(
                "purged quay.io/podman/hello:latest: 1 tag, 1 manifest, 3 layer links; 2 blobs deleted, 12.3 MiB freed\n",
                run(
                        "DELETE",
                        "/admin/v1/images/quay.io/podman/hello:latest",
                        200,
                        "{\"purged\":{\"repository\":\"quay.io/podman/hello\",\"tags\":1,\"manifests\":1,"
                                + "\"layerLinks\":3,\"blobsDeleted\":2,\"bytesFreed\":12897485}}",
                        "purge",
                        "quay.io/podman/hello:latest"));
        assertPrinted(
                "already pinned quay.io/podman/hello:latest (sha256:1111, 3 blobs, 12.3 MiB)\n",
                run(
                        "PUT",
                        "/admin/v1/pins/quay.io/podman/hello:latest",
                        200,
                        String.format(PIN, 0),
                        "pin",
                        "quay.io/podman/hello:latest"));
        assertPrinted(
                "unpinned quay.io/podman/hello:latest (sha256:1111, 3 blobs, 12.3 MiB)\n",
                run(
                        "DELETE",
                        "/admin/v1/pins/quay.io/podman/hello:latest",
                        200,
                        "{\"unpinned\":" + String.format(PIN, 0) + "}",
                        "unpin",
                        "quay.io/podman/hello:latest"));
        assertPrinted(
                "quarantined " + DIGEST + ": 3.5 MiB deleted from the cache\n",
                run(
                        "PUT",
                        "/admin/v1/quarantine/" + DIGEST,
                        201,
                        "{\"digest\":\"" + DIGEST
                                + "\",\"reason\":null,\"by\":\"admin\",\"at\":\"2026-12-05T12:00:00Z\","
                                + "\"bytesDeleted\":3670016}",
                        "quarantine",
                        DIGEST));
        assertPrinted(
                "released " + DIGEST + "\n",
                run(
                        "DELETE",
                        "/admin/v1/quarantine/" + DIGEST,
                        200,
                        "{\"released\":{\"digest\":\"" + DIGEST + "\"}}",
                        "release",
                        DIGEST));
    }

    @Test
    void aPinOfAnImageTheCacheDoesNotHoldWhollyTellsToWarmIt() throws Exception {
        CommandRun run = run(
                "PUT",
                "/admin/v1/pins/quay.io/podman/hello:latest",
                201,
                String.format(PIN, 2),
                "pin",
                "quay.io/podman/hello:latest");
        assertEquals(0, run.exit(), run.toString());
        assertEquals("pinned quay.io/podman/hello:latest (sha256:1111, 3 blobs, 12.3 MiB)\n", run.out());
        assertEquals(
                "2 of its 3 blobs are not in the cache: run registry-cache warm quay.io/podman/hello:latest to fetch "
                        + "them\n",
                run.err());
    }

    @Test
    void jsonPrintsTheApisAnswerAsItCame() throws Exception {
        String answer = "{\"pins\":[" + String.format(PIN, 2) + "]}";
        CommandRun pins = run("GET", "/admin/v1/pins", 200, answer, "pins", "--json");
        assertPrinted(answer + "\n", pins);
        CommandRun pin = run(
                "PUT",
                "/admin/v1/pins/quay.io/podman/hello:latest",
                201,
                String.format(PIN, 2),
                "pin",
                "--json",
                "quay.io/podman/hello:latest");
        assertEquals(String.format(PIN, 2) + "\n", pin.out(), pin.toString());
        assertEquals(0, pin.exit(), pin.toString());
    }
}
