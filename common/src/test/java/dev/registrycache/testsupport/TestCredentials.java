package dev.registrycache.testsupport;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
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
}
