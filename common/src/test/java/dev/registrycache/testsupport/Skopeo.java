package dev.registrycache.testsupport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * skopeo as tests use it: a real containers/image client that copies between registries and
 * local layouts over plain HTTP on 127.0.0.1. Every call skips signature policy
 * ({@code --insecure-policy}) and TLS verification, and uses exactly the credentials given, or
 * none, never the machine's auth.json.
 */
public final class Skopeo {

    private final Duration timeout;

    private Skopeo(Duration timeout) {
        this.timeout = timeout;
    }

    /** Requires skopeo on PATH (see {@link Tools#require}). */
    public static Skopeo create() {
        Tools.require("skopeo");
        return new Skopeo(Tools.DEFAULT_TIMEOUT);
    }

    public Skopeo withTimeout(Duration other) {
        return new Skopeo(other);
    }

    /** E.g. {@code skopeo version 1.9.3}. */
    public String version() {
        return Tools.runOrThrow(timeout, List.of("skopeo", "--version"))
                .stdoutText()
                .strip();
    }

    /** Copies anonymously; throws with skopeo's output on failure. */
    public ProcessResult copy(String source, String destination, String... flags) {
        return tryCopy(source, null, destination, null, flags).orThrow();
    }

    public ProcessResult copy(
            String source,
            TestCredentials sourceCredentials,
            String destination,
            TestCredentials destinationCredentials,
            String... flags) {
        return tryCopy(source, sourceCredentials, destination, destinationCredentials, flags)
                .orThrow();
    }

    /**
     * {@code skopeo copy} with TLS verification off on both sides; null credentials mean
     * anonymous. {@code flags} go before the references, e.g. {@code --all},
     * {@code --preserve-digests}.
     */
    public ProcessResult tryCopy(
            String source,
            TestCredentials sourceCredentials,
            String destination,
            TestCredentials destinationCredentials,
            String... flags) {
        List<String> command = new ArrayList<>(
                List.of("skopeo", "--insecure-policy", "copy", "--src-tls-verify=false", "--dest-tls-verify=false"));
        command.addAll(creds("--src-", sourceCredentials));
        command.addAll(creds("--dest-", destinationCredentials));
        command.addAll(List.of(flags));
        command.add(source);
        command.add(destination);
        return Tools.run(timeout, command);
    }

    /** The manifest (or index) exactly as the registry serves it: {@code skopeo inspect --raw}. */
    public byte[] inspectRaw(String reference) {
        return tryInspectRaw(reference, null).orThrow().stdout();
    }

    public byte[] inspectRaw(String reference, TestCredentials credentials) {
        return tryInspectRaw(reference, credentials).orThrow().stdout();
    }

    public ProcessResult tryInspectRaw(String reference, TestCredentials credentials) {
        List<String> command =
                new ArrayList<>(List.of("skopeo", "--insecure-policy", "inspect", "--raw", "--tls-verify=false"));
        command.addAll(creds("--", credentials));
        command.add(reference);
        return Tools.run(timeout, command);
    }

    /** sha256 of {@link #inspectRaw}: the digest of the manifest skopeo saw. */
    public String manifestDigest(String reference, TestCredentials credentials) {
        return Sha256.of(inspectRaw(reference, credentials));
    }

    private static List<String> creds(String prefix, TestCredentials credentials) {
        if (credentials == null) {
            return List.of(prefix + "no-creds");
        }
        return List.of(prefix + "creds", credentials.userColonPassword());
    }
}
