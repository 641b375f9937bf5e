package dev.registrycache.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.registrycache.client.CommandRun;
import dev.registrycache.testsupport.FreePort;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * When the admin API refuses or the cache cannot be reached: exit status 1, and on standard error
 * the API's OCI error as {@code 403 DENIED: user bob is not an admin}, or why the cache could not
 * be asked, with what to do where the CLI knows it.
 */
class AdminRefusalsTest {
    private static void assertRefused(String err, CommandRun run) {
        assertEquals(1, run.exit(), run.toString());
        assertEquals(err, run.err(), run.toString());
        assertEquals("", run.out(), run.toString());
    }

    @Test
    void printsTheApisRefusalOfAUserWhoIsNoAdminOrGaveNoOrWrongCredentials() throws Exception {
        try (FakeAdminApi api = AdminCli.api()) {
            assertRefused(
                    "403 DENIED: user bob is not an admin\n",
                    AdminCli.run(
                            Map.of("ADMIN_PASSWORD", "bobs-password"), "", "pins", "--cache", api.url(), "-u", "bob"));
            assertRefused(
                    "401 UNAUTHORIZED: the cache asks for credentials: give --username, and the password in "
                            + "ADMIN_PASSWORD or on standard input with --password-stdin\n",
                    AdminCli.run(Map.of(), "", "pins", "--cache", api.url()));
            assertRefused(
                    "401 UNAUTHORIZED: the cache refused the credentials of user admin\n",
                    AdminCli.run(Map.of("ADMIN_PASSWORD", "wrong"), "", "pins", "--cache", api.url(), "-u", "admin"));
        }
    }

    @Test
    void saysWhenTheAdminApiIsOff() throws Exception {
        try (FakeAdminApi off = new FakeAdminApi(Map.of(AdminCli.ADMIN, AdminCli.PASSWORD), java.util.Set.of())) {
            assertRefused(
                    "404 NOT_FOUND: the admin API is off: it needs REGISTRY_AUTH=htpasswd and ADMIN_USERS\n",
                    AdminCli.asAdmin(off, "list"));
        }
    }

    @Test
    void printsTheApisRefusalOfAnActionWithWhatToDoWhereTheCliKnowsIt() throws Exception {
        try (FakeAdminApi api = AdminCli.api()) {
            api.answer(
                    "DELETE",
                    "/admin/v1/images/quay.io/podman/hello:latest",
                    409,
                    "{\"errors\":[{\"code\":\"DENIED\",\"message\":\"pinned quay.io/podman/hello:latest\"}]}");
            api.answer(
                    "PUT",
                    "/admin/v1/pins/quay.io/podman/hello:2.0",
                    404,
                    "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"the cache holds no quay.io/podman/hello:2.0\"}]}");
            assertRefused(
                    "409 DENIED: pinned quay.io/podman/hello:latest\n",
                    AdminCli.asAdmin(api, "purge", "quay.io/podman/hello:latest"));
            assertRefused(
                    "404 MANIFEST_UNKNOWN: the cache holds no quay.io/podman/hello:2.0\n"
                            + "the cache does not hold it: run registry-cache warm quay.io/podman/hello:2.0 first, "
                            + "then pin it\n",
                    AdminCli.asAdmin(api, "pin", "quay.io/podman/hello:2.0"));
            assertRefused("404 NOT_FOUND: no such route\n", AdminCli.asAdmin(api, "unpin", "quay.io/podman/hello:9"));
        }
    }

    @Test
    void jsonPrintsTheApisErrorBodyToo() throws Exception {
        try (FakeAdminApi api = AdminCli.api()) {
            CommandRun run = AdminCli.run(
                    Map.of("ADMIN_PASSWORD", "bobs-password"), "", "pins", "--json", "--cache", api.url(), "-u", "bob");
            assertEquals(1, run.exit(), run.toString());
            assertEquals(
                    "{\"errors\":[{\"code\":\"DENIED\",\"message\":\"user bob is not an admin\",\"detail\":null}]}\n",
                    run.out());
            assertEquals("403 DENIED: user bob is not an admin\n", run.err());
        }
    }

    @Test
    void saysWhyTheCacheCouldNotBeAskedOrItsAnswerNotRead() throws Exception {
        int closed = FreePort.pick();
        assertRefused(
                "cannot connect to the cache at http://127.0.0.1:" + closed + ": connection refused\n",
                AdminCli.run(Map.of(), "", "list", "--cache", "http://127.0.0.1:" + closed));
        try (FakeAdminApi api = AdminCli.api()) {
            api.answer("GET", "/admin/v1/registries", 200, "<html>a proxy's page</html>");
            api.answer("GET", "/admin/v1/pins", 502, "<html>bad gateway</html>");
            assertRefused(
                    "the cache answered HTTP 200 without the JSON object the admin API sends\n",
                    AdminCli.asAdmin(api, "list"));
            assertRefused("the cache answered HTTP 502 without an OCI error\n", AdminCli.asAdmin(api, "pins"));
        }
    }
}
