package dev.registrycache.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.client.CommandRun;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each command line becomes the admin API's request for it, with the admin's credentials; a
 * command line or settings that name nothing usable stop with exit status 2 and a message that
 * says what is wrong, before anything is sent.
 */
class AdminArgumentsTest {
    private static final String DIGEST = "sha256:" + "c1d6".repeat(16);

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            list                                          | GET /admin/v1/registries
            list quay.io                                  | GET /admin/v1/repositories?registry=quay.io
            list registry.local:5000                      | GET /admin/v1/repositories?registry=registry.local%3A5000
            list quay.io/podman/hello                     | GET /admin/v1/repositories/quay.io/podman/hello
            purge quay.io/podman/hello:latest             | DELETE /admin/v1/images/quay.io/podman/hello:latest
            purge docker.io/library/alpine@DIGEST         | DELETE /admin/v1/images/docker.io/library/alpine@DIGEST
            purge --repository quay.io/podman/hello       | DELETE /admin/v1/repositories/quay.io/podman/hello
            pin quay.io/podman/hello:latest               | PUT /admin/v1/pins/quay.io/podman/hello:latest
            unpin quay.io/podman/hello@DIGEST             | DELETE /admin/v1/pins/quay.io/podman/hello@DIGEST
            pins                                          | GET /admin/v1/pins
            quarantine DIGEST                             | PUT /admin/v1/quarantine/DIGEST
            release DIGEST                                | DELETE /admin/v1/quarantine/DIGEST
            quarantined                                   | GET /admin/v1/quarantine
            """)
    void eachCommandLineSendsItsRequestOfTheApiWithTheAdminsCredentials(String commandLine, String request)
            throws Exception {
        assertEquals(
                new Sent(request.replace("DIGEST", DIGEST), ""),
                sent(commandLine.replace("DIGEST", DIGEST).split(" ")));
    }

    @Test
    void aQuarantinesReasonGoesInTheBodyAsJson() throws Exception {
        assertEquals(
                new Sent("PUT /admin/v1/quarantine/" + DIGEST, "{\"reason\":\"CVE-2026-1234 in \\\"libfoo\\\"\"}"),
                sent("quarantine", DIGEST, "--reason", "CVE-2026-1234 in \"libfoo\""));
    }

    /** A request as the API got it: method and path, and the body. */
    private record Sent(String request, String body) {}

    /** Runs {@code args} as the admin against an API that answers their request 200; what it got. */
    private static Sent sent(String... args) throws Exception {
        try (FakeAdminApi api = AdminCli.api()) {
            api.answerEverything(200, "{}");
            CommandRun run = AdminCli.asAdmin(api, args);
            assertEquals(0, run.exit(), run.toString());
            assertEquals(1, api.seen().size(), run.toString());
            FakeAdminApi.Seen seen = api.seen().get(0);
            assertEquals(seen.body().isEmpty() ? null : "application/json", seen.contentType());
            assertEquals(basic(AdminCli.ADMIN, AdminCli.PASSWORD), seen.authorization());
            return new Sent(seen.method() + " " + seen.path(), seen.body());
        }
    }

    @Test
    void thePasswordMayComeOnStandardInput() throws Exception {
        try (FakeAdminApi api = AdminCli.api()) {
            api.answer("GET", "/admin/v1/pins", 200, "{\"pins\":[]}");
            CommandRun run = AdminCli.pinsWithPasswordStdin(api, Map.of(), AdminCli.PASSWORD + "\n");
            assertEquals(0, run.exit(), run.toString());
            assertEquals(
                    basic(AdminCli.ADMIN, AdminCli.PASSWORD), api.seen().get(0).authorization());
        }
    }

    static Stream<Arguments> unusableCommandLines() {
        return Stream.of(
                Arguments.of(List.of("purge"), "purge: give an image to purge"),
                Arguments.of(
                        List.of("purge", "quay.io/podman/hello:1", "--repository", "quay.io/podman/hello"),
                        ", not both"),
                Arguments.of(
                        List.of("purge", "quay.io/podman/hello"),
                        "purge: 'quay.io/podman/hello' names no tag or digest: give quay.io/podman/hello:<tag> or "
                                + "quay.io/podman/hello@sha256:<hex>"),
                Arguments.of(
                        List.of("pin", "alpine:3.20"),
                        "pin: 'alpine:3.20': name the registry first, as the cache serves it "
                                + "(docker.io/library/alpine:3.20, quay.io/podman/hello:latest)"),
                Arguments.of(
                        List.of("unpin", "quay.io/podman/hello:latest@" + DIGEST),
                        "give a :tag or an @digest, not both"),
                Arguments.of(List.of("pin", "quay.io/podman/hello:-x"), "'-x' is not a valid tag"),
                Arguments.of(List.of("pin", "quay.io/podman/hello@sha256:abc"), "'sha256:abc' is not a digest"),
                Arguments.of(
                        List.of("list", "quay.io/podman/hello:latest"),
                        "list: 'quay.io/podman/hello:latest' names an image, not a repository: leave out its :tag"),
                Arguments.of(
                        List.of("list", "quay.io/podman/he llo"), "'quay.io/podman/he llo' is not a repository name"),
                Arguments.of(List.of("purge", "--repository", "hello"), "'hello': name the registry first"),
                Arguments.of(List.of("purge", "quay.io/../../v2/x:1"), "'quay.io/../../v2/x:1' is not an image name"),
                Arguments.of(List.of("list", "quay.io//hello"), "'quay.io//hello' is not a repository name"),
                Arguments.of(
                        List.of("quarantine", "c1d6"), "quarantine: 'c1d6' is not a digest (sha256:<64 hex digits>)"),
                Arguments.of(List.of("release"), "Missing required parameter: 'DIGEST'"));
    }

    @ParameterizedTest
    @MethodSource("unusableCommandLines")
    void aCommandLineThatNamesNothingUsableStopsWithStatus2AndSaysWhy(List<String> args, String message)
            throws Exception {
        try (FakeAdminApi api = AdminCli.api()) {
            CommandRun run = AdminCli.asAdmin(api, args.toArray(String[]::new));
            assertEquals(2, run.exit(), run.toString());
            assertTrue(run.err().contains(message), run.toString());
            assertEquals(List.of(), api.seen());
        }
    }

    @Test
    void aMissingOrUnknownSubcommandStopsWithStatus2() {
        CommandRun none = AdminCli.run(Map.of(), "");
        assertEquals(2, none.exit(), none.toString());
        assertTrue(none.err().contains("Missing required subcommand"), none.toString());
        CommandRun unknown = AdminCli.run(Map.of(), "", "lsit");
        assertEquals(2, unknown.exit(), unknown.toString());
        assertTrue(unknown.err().contains("Unmatched argument at index 0: 'lsit'"), unknown.toString());
    }

    @Test
    void badSettingsStopWithStatus2AndSayWhyWithoutThePassword() throws Exception {
        try (FakeAdminApi api = AdminCli.api()) {
            CommandRun url = AdminCli.run(Map.of(), "", "pins", "--cache", "ftp://cache.example.com");
            CommandRun noPassword = AdminCli.run(Map.of(), "", "pins", "--cache", api.url(), "-u", "admin");
            CommandRun noUser =
                    AdminCli.run(Map.of("ADMIN_PASSWORD", AdminCli.PASSWORD), "", "pins", "--cache", api.url());
            CommandRun twice =
                    AdminCli.pinsWithPasswordStdin(api, Map.of("ADMIN_PASSWORD", AdminCli.PASSWORD), AdminCli.PASSWORD);
            CommandRun inUrl = AdminCli.run(Map.of(), "", "pins", "--cache", "http://admin:s3cret@127.0.0.1:1");
            assertEquals(
                    "admin pins: --cache 'ftp://cache.example.com': expected http(s)://<host>[:<port>], without a path\n",
                    url.err());
            assertEquals(
                    "admin pins: --username admin needs a password: in ADMIN_PASSWORD or on standard input with "
                            + "--password-stdin\n",
                    noPassword.err());
            assertEquals("admin pins: a password without a user: give --username too\n", noUser.err());
            assertTrue(
                    twice.err().contains("give the password once: ADMIN_PASSWORD is set and --password-stdin too"),
                    twice.toString());
            assertTrue(inUrl.err().contains("give --username, and the password in ADMIN_PASSWORD"), inUrl.toString());
            for (CommandRun run : List.of(url, noPassword, noUser, twice, inUrl)) {
                assertEquals(2, run.exit(), run.toString());
                assertTrue(!run.err().contains(AdminCli.PASSWORD), run.toString());
            }
            assertEquals(List.of(), api.seen());
        }
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }
}
