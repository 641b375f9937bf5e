package dev.registrycache.gateway;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BasicAuthenticatorTest {
    @TempDir
    Path dir;

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static String bcrypt(String version, String password) {
        return OpenBSDBCrypt.generate(version, password.toCharArray(), new byte[16], 4);
    }

    @Test
    void checksBcryptHtpasswdEntriesOfEveryVariant() throws Exception {
        Path file = Files.writeString(
                dir.resolve("htpasswd"),
                "alice:" + bcrypt("2y", "a-pass") + "\n"
                        + "bob:" + bcrypt("2b", "b-pass") + "\n" + "carol:" + bcrypt("2a", "c-pass") + "\n"
                        + "# comment\n" + "md5user:$apr1$abc$def\n");
        BasicAuthenticator auth = new BasicAuthenticator(file, Clock.systemUTC());
        assertTrue(auth.authenticate(basic("alice", "a-pass")));
        assertTrue(auth.authenticate(basic("bob", "b-pass")));
        assertTrue(auth.authenticate(basic("carol", "c-pass")));
        assertFalse(auth.authenticate(basic("alice", "wrong")));
        assertFalse(auth.authenticate(basic("nobody", "a-pass")));
        assertFalse(auth.authenticate(basic("md5user", "x")));
        assertFalse(auth.authenticate(null));
        assertFalse(auth.authenticate("Bearer abc"));
        assertFalse(auth.authenticate("Basic %%%"));
    }

    @Test
    void rereadsTheFileWhenItChanges() throws Exception {
        Path file = Files.writeString(dir.resolve("htpasswd"), "alice:" + bcrypt("2y", "old") + "\n");
        Instant[] now = {Instant.parse("2026-01-01T00:00:00Z")};
        Clock clock = new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now[0];
            }
        };
        BasicAuthenticator auth = new BasicAuthenticator(file, clock);
        assertTrue(auth.authenticate(basic("alice", "old")));
        Files.writeString(file, "alice:" + bcrypt("2y", "new") + "\n# changed\n");
        now[0] = now[0].plusSeconds(2);
        assertTrue(auth.authenticate(basic("alice", "new")));
        assertFalse(
                auth.authenticate(basic("alice", "old")),
                "a cached old password must not survive a change of the file");
    }
}
