package dev.registrycache.testsupport;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A real S3 API server for tests: s3proxy (Maven Central {@code org.gaul:s3proxy}) over a temporary
 * folder, on a free port of 127.0.0.1, path-style addressing, SigV4 with {@link #CREDENTIALS}, plain
 * HTTP or TLS with a self-signed certificate for {@code 127.0.0.1}; {@link #BUCKET} exists once it is
 * started. It runs as a process of its own from its jar-with-dependencies, whose path the build
 * passes in {@code testsupport.s3proxy.jar} (see the parent POM): on the test classpath its logging
 * backend and cloud SDKs would join every test. Closing stops it and deletes the folder.
 *
 * <pre>{@code
 * try (S3Server s3 = S3Server.withTls()) {
 *   // the code under test gets s3.endpoint(), S3Server.REGION, S3Server.BUCKET, S3Server.CREDENTIALS
 *   // and s3.caCertificate(); the test checks what it stored through its own client:
 *   assertEquals(List.of("docker/registry/v2/..."), s3.client().keys("docker/"));
 * }
 * }</pre>
 */
public final class S3Server implements AutoCloseable {
    public static final String BUCKET = "registry-cache-test";
    public static final String REGION = "us-east-1";
    /** The access key id (user name) and secret access key (password) s3proxy accepts. */
    public static final TestCredentials CREDENTIALS =
            TestCredentials.of("registry-cache-test", "registry-cache-test-secret");

    private static final String JAR_PROPERTY = "testsupport.s3proxy.jar";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private static final String KEYSTORE_PASSWORD = "testsupport";

    private final Path folder;
    private final Path storage;
    private final Path log;
    private final URI endpoint;
    private final Optional<Path> caCertificate;
    private final S3TestClient client;
    private Process process;

    private S3Server(boolean tls) {
        Path jar = s3proxyJar();
        int port = FreePort.pick();
        this.folder = TempDirs.create("testsupport-s3-");
        this.storage = folder.resolve("storage");
        this.log = folder.resolve("s3proxy.log");
        this.endpoint = URI.create((tls ? "https" : "http") + "://127.0.0.1:" + port);
        try {
            Files.createDirectories(storage);
            this.caCertificate = tls ? Optional.of(writeKeystoreAndCa()) : Optional.empty();
            Path config = Files.writeString(folder.resolve("s3proxy.conf"), config());
            start(jar, config, port);
            this.client = new S3TestClient(endpoint, BUCKET, new S3Signer(CREDENTIALS, REGION), caCertificate);
            client.createBucket(BUCKET);
        } catch (IOException e) {
            close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /** s3proxy on plain HTTP. */
    public static S3Server plain() {
        return new S3Server(false);
    }

    /** s3proxy on HTTPS with a self-signed certificate for {@code 127.0.0.1}: {@link #caCertificate()}. */
    public static S3Server withTls() {
        return new S3Server(true);
    }

    /** {@code http(s)://127.0.0.1:<port>}: buckets are addressed by path ({@code /<bucket>/<key>}). */
    public URI endpoint() {
        return endpoint;
    }

    /** The PEM certificate a client must trust for a server started {@link #withTls()}. */
    public Optional<Path> caCertificate() {
        return caCertificate;
    }

    /**
     * The environment that points the product's S3 settings at this server's bucket, under
     * {@code prefix} (empty: the bucket's root), so that tests sharing one server keep apart.
     */
    public Map<String, String> environment(String prefix) {
        Map<String, String> env = new HashMap<>();
        env.put("S3_ENDPOINT", endpoint.toString());
        env.put("S3_REGION", REGION);
        env.put("S3_BUCKET", BUCKET);
        env.put("S3_PATH_STYLE", "true");
        env.put("S3_PREFIX", prefix);
        env.put("S3_ACCESS_KEY_ID", CREDENTIALS.username());
        env.put("S3_SECRET_ACCESS_KEY", CREDENTIALS.password());
        caCertificate.ifPresent(ca -> env.put("S3_CA_FILE", ca.toString()));
        return env;
    }

    /** The folder s3proxy keeps its buckets in, one folder each, for tests that damage the store. */
    public Path storage() {
        return storage;
    }

    /** The tests' own client of the bucket, independent of the code under test. */
    public S3TestClient client() {
        return client;
    }

    /** What s3proxy has printed so far, for failure messages. */
    public String printed() {
        return Tools.printed(log);
    }

    @Override
    public void close() {
        if (process != null) {
            Tools.stop(process, STOP_GRACE);
            process = null;
        }
        TempDirs.delete(folder);
    }

    private static Path s3proxyJar() {
        String value = System.getProperty(JAR_PROPERTY, "");
        Path jar = value.isEmpty() || value.startsWith("${") ? null : Path.of(value);
        if (jar == null || !Files.isRegularFile(jar)) {
            fail("s3proxy's jar is not known (" + JAR_PROPERTY + "=" + value + "): the module's POM must declare"
                    + " org.gaul:s3proxy (classifier jar-with-dependencies, test scope) and run its tests with Maven");
        }
        return jar;
    }

    private String config() {
        List<String> lines = new ArrayList<>(List.of(
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + CREDENTIALS.username(),
                "s3proxy.credential=" + CREDENTIALS.password(),
                "jclouds.provider=filesystem",
                "jclouds.filesystem.basedir=" + storage));
        if (caCertificate.isPresent()) {
            lines.add("s3proxy.secure-endpoint=" + endpoint);
            lines.add("s3proxy.keystore-path=" + folder.resolve("keystore.p12"));
            lines.add("s3proxy.keystore-password=" + KEYSTORE_PASSWORD);
        } else {
            lines.add("s3proxy.endpoint=" + endpoint);
        }
        return String.join("\n", lines) + "\n";
    }

    /** A key pair and self-signed certificate for 127.0.0.1 by the JDK's keytool; returns the PEM. */
    private Path writeKeystoreAndCa() {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Path keystore = folder.resolve("keystore.p12");
        Path pem = folder.resolve("ca.pem");
        Tools.runOrThrow(
                Duration.ofSeconds(60),
                List.of(
                        keytool.toString(),
                        "-genkeypair",
                        "-alias",
                        "s3proxy",
                        "-keyalg",
                        "EC",
                        "-groupname",
                        "secp256r1",
                        "-validity",
                        "2",
                        "-dname",
                        "CN=127.0.0.1",
                        "-ext",
                        "SAN=ip:127.0.0.1",
                        "-storetype",
                        "PKCS12",
                        "-keystore",
                        keystore.toString(),
                        "-storepass",
                        KEYSTORE_PASSWORD));
        Tools.runOrThrow(
                Duration.ofSeconds(60),
                List.of(
                        keytool.toString(),
                        "-exportcert",
                        "-rfc",
                        "-alias",
                        "s3proxy",
                        "-keystore",
                        keystore.toString(),
                        "-storepass",
                        KEYSTORE_PASSWORD,
                        "-file",
                        pem.toString()));
        return pem;
    }

    private void start(Path jar, Path config, int port) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder builder = Tools.processBuilder(List.of(
                java.toString(),
                "-XX:+UseSerialGC",
                "-Xss512k",
                "-Xmx256m",
                "-jar",
                jar.toString(),
                "--properties",
                config.toString()));
        builder.environment().put("LOG_LEVEL", "warn");
        builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        process = Tools.start(builder);
        Await.until(
                "s3proxy listens on 127.0.0.1:" + port,
                START_TIMEOUT,
                () -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException(
                                "s3proxy exited with " + process.exitValue() + ":\n" + printed());
                    }
                    return accepts(port);
                },
                this::printed);
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
