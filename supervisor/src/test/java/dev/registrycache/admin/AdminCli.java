package dev.registrycache.admin;

import dev.registrycache.client.CommandRun;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs {@code registry-cache admin} in-process as the jar would, with the environment, standard
 * input and clock a test gives, against a {@link FakeAdminApi} that knows the users below.
 */
final class AdminCli {
    static final String ADMIN = "admin";
    static final String PASSWORD = "s3cret";
    /** A user of the cache who is not an admin. */
    static final String BOB = "bob";
    /** What "3 h ago" is counted from. */
    static final Instant NOW = Instant.parse("2026-12-05T12:00:00Z");

    private AdminCli() {}

    /** The API of a cache whose htpasswd holds {@link #ADMIN} and {@link #BOB}, of whom only the first is an admin. */
    static FakeAdminApi api() throws IOException {
        return new FakeAdminApi(Map.of(ADMIN, PASSWORD, BOB, "bobs-password"), Set.of(ADMIN));
    }

    /** {@code admin args} against {@code api} as {@link #ADMIN}, the password in ADMIN_PASSWORD. */
    static CommandRun asAdmin(FakeAdminApi api, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--cache", api.url(), "--username", ADMIN));
        return run(Map.of("ADMIN_PASSWORD", PASSWORD), "", all.toArray(String[]::new));
    }

    /** {@code admin pins} against {@code api} as {@link #ADMIN} with {@code --password-stdin}, {@code env} and {@code stdin}. */
    static CommandRun pinsWithPasswordStdin(FakeAdminApi api, Map<String, String> env, String stdin) {
        return run(env, stdin, "pins", "--cache", api.url(), "-u", ADMIN, "--password-stdin");
    }

    /** {@code admin args} with {@code env} and {@code stdin}, nothing else. */
    static CommandRun run(Map<String, String> env, String stdin, String... args) {
        AdminCommand command = new AdminCommand();
        command.env = env;
        command.stdin = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
        command.clock = Clock.fixed(NOW, ZoneOffset.UTC);
        return CommandRun.of(command, args);
    }
}
