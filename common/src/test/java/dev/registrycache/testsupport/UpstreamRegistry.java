package dev.registrycache.testsupport;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's {@code docker-registry} (distribution 2.8, the {@code registry:2} the cache replaces)
 * on a free port of 127.0.0.1: the real upstream for end-to-end tests, in the auth modes public
 * registries use, as a pull-through proxy for benchmarks, or serving a datastore read-only to
 * prove it is in distribution's layout. It can be stopped and started again on the same port and
 * storage to play an upstream outage. Every request it serves is read back from its access log.
 *
 * <pre>{@code
 * try (UpstreamRegistry upstream = UpstreamRegistry.plain()) {
 *   upstream.push(OciImages.ociImage(1), "library/alpine", "latest");
 *   ...
 *   assertEquals(1, upstream.requestCount("GET", "/blobs/" + layerDigest));
 * }
 * }</pre>
 */
public final class UpstreamRegistry implements AutoCloseable {

    /** How to run: the {@code auth} or {@code proxy} section of the config, or none. */
    public enum Mode {
        PLAIN,
        HTPASSWD,
        TOKEN,
        PROXY,
        READ_ONLY
    }

    /**
     * The Apache combined log line gorilla/handlers prints for every request, e.g.
     * {@code 127.0.0.1 - - [27/Nov/2026:17:46:20 +0000] "GET /v2/test/blobs/sha256:7e13… HTTP/1.1"
     * 200 100 "" "curl/7.88.1"}. The logrus "response completed" line of the same request is not
     * counted.
     */
    private static final Pattern ACCESS_LINE =
            Pattern.compile("^(\\S+) \\S+ (\\S+) \\[([^\\]]+)\\] \"(\\S+) (\\S+) ([^\"]*)\" (\\d{3}) (\\d+|-)"
                    + "(?: \"([^\"]*)\" \"([^\"]*)\")?.*$");

    private static final String SYNC_MARKER = "testsupport-sync=";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One request from the access log. */
    public record Request(String method, String uri, int status, long bytes, String userAgent) {}

    private final Mode mode;
    private final String host;
    private final int port;
    private final Path folder;
    private final Path storageRoot;
    private final Path config;
    private final Path log;
    private final TestCredentials credentials;
    private final String httpSecret = UUID.randomUUID().toString();
    private final HttpClient probe = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    private Process process;

    private UpstreamRegistry(
            Mode mode,
            Path storageRoot,
            TestCredentials credentials,
            TokenServer tokens,
            String remoteUrl,
            TestCredentials remoteCredentials) {
        this("127.0.0.1", mode, storageRoot, credentials, tokens, remoteUrl, remoteCredentials);
    }

    private UpstreamRegistry(
            String host,
            Mode mode,
            Path storageRoot,
            TestCredentials credentials,
            TokenServer tokens,
            String remoteUrl,
            TestCredentials remoteCredentials) {
        Tools.require("docker-registry");
        this.host = host;
        this.mode = mode;
        this.credentials = credentials;
        this.port = FreePort.pick();
        this.folder = TempDirs.create("testsupport-registry-");
        try {
            this.storageRoot = storageRoot != null ? storageRoot : Files.createDirectories(folder.resolve("storage"));
            this.config = folder.resolve("config.yml");
            this.log = folder.resolve("registry.log");
            String auth = "";
            if (mode == Mode.HTPASSWD) {
                Tools.require("htpasswd");
                Path htpasswd = folder.resolve("htpasswd");
                ProcessResult result = Tools.runOrThrow(
                        Duration.ofSeconds(30),
                        List.of("htpasswd", "-Bbn", credentials.username(), credentials.password()));
                Files.writeString(htpasswd, result.stdoutText().strip() + "\n");
                auth = "auth:\n  htpasswd:\n    realm: " + q("Registry Realm") + "\n    path: " + q(htpasswd.toString())
                        + "\n";
            } else if (mode == Mode.TOKEN) {
                auth = "auth:\n  token:\n    realm: " + q(tokens.realm()) + "\n    service: "
                        + q(tokens.service()) + "\n    issuer: " + q(tokens.issuer())
                        + "\n    rootcertbundle: " + q(tokens.rootCertBundle().toString()) + "\n";
            }
            Files.writeString(config, configYaml(auth, remoteUrl, remoteCredentials));
            start();
        } catch (IOException | RuntimeException e) {
            close();
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    /** Anonymous pull and push. */
    public static UpstreamRegistry plain() {
        return new UpstreamRegistry(Mode.PLAIN, null, null, null, null, null);
    }

    /** HTTP Basic against a bcrypt htpasswd file holding one user. */
    public static UpstreamRegistry withHtpasswd(TestCredentials user) {
        return new UpstreamRegistry(Mode.HTPASSWD, null, Objects.requireNonNull(user), null, null, null);
    }

    /**
     * HTTP Basic, listening on {@code host} instead of 127.0.0.1: a host-local address that
     * containers reach, such as the address of podman's bridge on this host.
     */
    public static UpstreamRegistry withHtpasswdOn(String host, TestCredentials user) {
        return new UpstreamRegistry(host, Mode.HTPASSWD, null, Objects.requireNonNull(user), null, null, null);
    }

    public static UpstreamRegistry withHtpasswd(String username, String password) {
        return withHtpasswd(TestCredentials.of(username, password));
    }

    /**
     * Bearer tokens from {@code tokens}; {@link #client()} and {@link #push} use the token
     * server's user. The caller closes the token server.
     */
    public static UpstreamRegistry withTokenAuth(TokenServer tokens) {
        return new UpstreamRegistry(Mode.TOKEN, null, tokens.credentials(), tokens, null, null);
    }

    /**
     * A pull-through cache of {@code remoteUrl}, the stock alternative benchmarks compare with.
     * distribution 2.8 hands {@code remoteCredentials} only to a remote that answers with a Bearer
     * challenge (a token realm); to a Basic-auth remote it sends none, and every pull is a 404.
     * On a miss it fetches a blob from the remote twice: one stream for the client, one to store.
     */
    public static UpstreamRegistry proxyOf(String remoteUrl, TestCredentials remoteCredentials) {
        return new UpstreamRegistry(Mode.PROXY, null, null, null, Objects.requireNonNull(remoteUrl), remoteCredentials);
    }

    /**
     * Serves {@code root} (the folder holding {@code docker/registry/v2}) read-only; pushes are
     * refused. {@code root} is not deleted on close.
     */
    public static UpstreamRegistry readOnly(Path root) {
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException("not a folder: " + root);
        }
        return new UpstreamRegistry(Mode.READ_ONLY, root, null, null, null, null);
    }

    public Mode mode() {
        return mode;
    }

    public int port() {
        return port;
    }

    /** {@code http://127.0.0.1:<port>} (or the host it was started on). */
    public String baseUrl() {
        return "http://" + hostPort();
    }

    /** {@code 127.0.0.1:<port>}, as in image references and pull-secret keys. */
    public String hostPort() {
        return host + ":" + port;
    }

    /** The folder holding {@code docker/registry/v2}. */
    public Path storageRoot() {
        return storageRoot;
    }

    public Path configFile() {
        return config;
    }

    /** The registry's output: logrus lines and the access log, across restarts. */
    public Path logFile() {
        return log;
    }

    /** The user of an htpasswd or token registry; null otherwise. */
    public TestCredentials credentials() {
        return credentials;
    }

    /** A client logged in as {@link #credentials()}. */
    public RegistryClient client() {
        return new RegistryClient(baseUrl(), credentials);
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Starts the registry (again) on the same port and storage; returns when {@code /v2/} answers. */
    public synchronized void start() {
        if (isRunning()) {
            return;
        }
        ProcessBuilder builder = Tools.processBuilder(List.of("docker-registry", "serve", config.toString()));
        builder.redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        try {
            process = Tools.start(builder);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start docker-registry", e);
        }
        try {
            Await.until(
                    "docker-registry answering on " + baseUrl(),
                    START_TIMEOUT,
                    () -> {
                        if (!process.isAlive()) {
                            throw new IllegalStateException(
                                    "docker-registry exited " + process.exitValue() + " at start:\n" + logText());
                        }
                        int status = probeStatus("/v2/");
                        return status == 200 || status == 401;
                    },
                    this::logText);
        } catch (AssertionError notUp) {
            stop();
            throw notUp;
        }
    }

    /** Terminates the registry; it refuses connections until {@link #start()}. */
    public synchronized void stop() {
        if (process != null) {
            Tools.stop(process, Duration.ofSeconds(5));
            process = null;
        }
    }

    /** Stops the registry and deletes its folder; a {@link #readOnly} root is left alone. */
    @Override
    public void close() {
        stop();
        TempDirs.delete(folder);
    }

    /**
     * How many requests with {@code method} whose URI contains {@code pathSubstring} the registry
     * has served, whatever their status, across restarts. A running registry is first made to log a marker request, so
     * that every request answered before this call is counted.
     */
    public int requestCount(String method, String pathSubstring) {
        return (int) requests().stream()
                .filter(r -> r.method().equals(method) && r.uri().contains(pathSubstring))
                .count();
    }

    /** Every request in the access log, oldest first, without the markers of {@link #requestCount}. */
    public List<Request> requests() {
        if (isRunning()) {
            syncAccessLog();
        }
        List<Request> requests = new ArrayList<>();
        for (String line : logText().split("\n")) {
            Matcher m = ACCESS_LINE.matcher(line);
            if (m.matches() && !m.group(5).contains(SYNC_MARKER)) {
                long bytes = m.group(8).equals("-") ? 0 : Long.parseLong(m.group(8));
                requests.add(new Request(m.group(4), m.group(5), Integer.parseInt(m.group(7)), bytes, m.group(10)));
            }
        }
        return requests;
    }

    public String logText() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Uploads a file as a blob of {@code repository}; returns its digest. */
    public String pushBlob(String repository, Path file) {
        return client().pushBlob(repository, file);
    }

    /** PUTs manifest bytes unchanged; returns the digest the registry reports. */
    public String pushManifest(String repository, String reference, String mediaType, byte[] bytes) {
        return client().pushManifest(repository, reference, mediaType, bytes);
    }

    /** Pushes an image or index (blobs, listed manifests, then the tag); returns its digest. */
    public String push(ImageArtifact artifact, String repository, String tag) {
        return client().push(artifact, repository, tag);
    }

    /**
     * The access log line of a request is written after its response; a marker request sent now
     * and seen in the log means the lines of all earlier requests are there too.
     */
    private void syncAccessLog() {
        String marker = SYNC_MARKER + UUID.randomUUID();
        if (probeStatus("/v2/?" + marker) < 0) {
            return;
        }
        Await.until(
                "the marker request in docker-registry's log", () -> logText().contains(marker + " "));
    }

    private int probeStatus(String path) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl() + path))
                    .timeout(Duration.ofSeconds(2))
                    .GET()
                    .build();
            return probe.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (ConnectException e) {
            return -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private String configYaml(String auth, String remoteUrl, TestCredentials remoteCredentials) {
        StringBuilder yaml = new StringBuilder();
        yaml.append("version: 0.1\n");
        yaml.append("log:\n  level: info\n  accesslog:\n    disabled: false\n");
        yaml.append("storage:\n  filesystem:\n    rootdirectory: ")
                .append(q(storageRoot.toString()))
                .append('\n');
        if (mode == Mode.READ_ONLY) {
            yaml.append("  maintenance:\n    readonly:\n      enabled: true\n")
                    .append("    uploadpurging:\n      enabled: false\n");
        } else {
            yaml.append("  delete:\n    enabled: true\n");
        }
        yaml.append("http:\n  addr: ")
                .append(q(hostPort()))
                .append('\n')
                .append("  secret: ")
                .append(q(httpSecret))
                .append('\n');
        yaml.append(auth);
        if (remoteUrl != null) {
            yaml.append("proxy:\n  remoteurl: ").append(q(remoteUrl)).append('\n');
            if (remoteCredentials != null) {
                yaml.append("  username: ")
                        .append(q(remoteCredentials.username()))
                        .append('\n')
                        .append("  password: ")
                        .append(q(remoteCredentials.password()))
                        .append('\n');
            }
        }
        return yaml.toString();
    }

    /** A YAML double-quoted scalar; JSON strings are valid ones. */
    private static String q(String value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "UpstreamRegistry[" + mode + " " + baseUrl() + "]";
    }
}
