package dev.registrycache.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * A user name and password for a test registry or token server. Its own type so that the
 * password never shows up in a test report by way of {@code toString()}.
 */
public record TestCredentials(String username, String password) {

    public TestCredentials {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
        if (username.contains(":")) {
            throw new IllegalArgumentException("a user name may not contain ':': " + username);
        }
    }

    public static TestCredentials of(String username, String password) {
        return new TestCredentials(username, password);
    }

    /** {@code user:password}, the form skopeo's and podman's {@code --creds} flags take. */
    public String userColonPassword() {
        return username + ":" + password;
    }

    /** The value of an {@code Authorization} header for HTTP Basic. */
    public String basicAuthorization() {
        return "Basic " + Base64.getEncoder().encodeToString(userColonPassword().getBytes(StandardCharsets.UTF_8));
    }

    /** The {@code auth} field of a pull secret or auth.json entry: base64 of {@code user:password}. */
    public String authField() {
        return Base64.getEncoder().encodeToString(userColonPassword().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "TestCredentials[" + username + ":***]";
    }

    /** Writes {@code file} anew as an htpasswd file (bcrypt, as {@code htpasswd -B} does) of {@code users}. */
    public static Path writeHtpasswd(Path file, TestCredentials... users) throws IOException {
        Tools.require("htpasswd");
        for (int i = 0; i < users.length; i++) {
            Tools.runOrThrow(
                    Duration.ofSeconds(30),
                    List.of(
                            "htpasswd",
                            i == 0 ? "-Bbc" : "-Bb",
                            file.toString(),
                            users[i].username(),
                            users[i].password()));
        }
        return file;
    }
}
