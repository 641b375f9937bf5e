package dev.registrycache.testsupport;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A Docker token server (the protocol of auth.docker.io and quay.io): {@code GET
 * /token?service=..&scope=repository:<name>:pull} with optional Basic credentials answers a JWT
 * that docker-registry's {@code auth: token} accepts. It lets tests run an upstream that
 * behaves like the public registries (401, then a token per repository scope) on 127.0.0.1.
 *
 * <p>Tokens are RS256 JWTs whose {@code x5c} header carries a self-signed certificate; that
 * certificate is {@link #rootCertBundle()}, the registry's {@code rootcertbundle}. Users get the
 * actions their scope asks for; anonymous callers, if allowed, get {@code pull} only.
 * Needs {@code org.bouncycastle:bcpkix-jdk18on} on the test classpath.
 */
public final class TokenServer implements AutoCloseable {

    public static final String DEFAULT_SERVICE = "registry-cache-upstream";
    public static final String DEFAULT_ISSUER = "registry-cache-test-issuer";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder URL_BASE64 = Base64.getUrlEncoder().withoutPadding();
    private static volatile SigningKey sharedKey;

    /**
     * One call to {@code /token}: who asked (null: anonymous or refused), for what, what was
     * granted, and whether it carried an {@code Authorization} header at all.
     */
    public record TokenRequest(
            String account, List<String> scopes, int status, List<String> granted, boolean sentAuthorization) {}

    private final TestCredentials user;
    private final boolean allowAnonymous;
    private final String service;
    private final String issuer;
    private final Duration expiresIn;
    private final SigningKey key;
    private final Path folder;
    private final Path rootCertBundle;
    private final HttpServer server;
    private final ExecutorService executor;
    private final List<TokenRequest> requests = new CopyOnWriteArrayList<>();

    private TokenServer(Builder builder) {
        this.user = builder.user;
        this.allowAnonymous = builder.allowAnonymous;
        this.service = builder.service;
        this.issuer = builder.issuer;
        this.expiresIn = builder.expiresIn;
        this.key = signingKey();
        this.folder = TempDirs.create("testsupport-token-");
        try {
            this.rootCertBundle = folder.resolve("token-root.pem");
            Files.writeString(rootCertBundle, pem(key.certificate.getEncoded()));
            this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException | GeneralSecurityException e) {
            TempDirs.deleteQuietly(folder);
            throw new IllegalStateException("cannot start the token server", e);
        }
        this.executor = Executors.newFixedThreadPool(4, runnable -> {
            Thread thread = new Thread(runnable, "testsupport-token-server");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/token", this::handle);
        server.start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A server that knows one user and refuses anonymous callers. */
    public static TokenServer start(TestCredentials user) {
        return builder().user(user).start();
    }

    public static final class Builder {
        private TestCredentials user;
        private boolean allowAnonymous;
        private String service = DEFAULT_SERVICE;
        private String issuer = DEFAULT_ISSUER;
        private Duration expiresIn = Duration.ofMinutes(5);

        private Builder() {}

        public Builder user(TestCredentials user) {
            this.user = user;
            return this;
        }

        /** Whether callers without credentials get (pull-only) tokens; default no. */
        public Builder allowAnonymous(boolean allow) {
            this.allowAnonymous = allow;
            return this;
        }

        public Builder service(String service) {
            this.service = Objects.requireNonNull(service);
            return this;
        }

        public Builder issuer(String issuer) {
            this.issuer = Objects.requireNonNull(issuer);
            return this;
        }

        /** Token lifetime ({@code expires_in}, {@code exp}); short ones test token refresh. */
        public Builder expiresIn(Duration expiresIn) {
            this.expiresIn = Objects.requireNonNull(expiresIn);
            return this;
        }

        public TokenServer start() {
            return new TokenServer(this);
        }
    }

    /** {@code http://127.0.0.1:<port>/token}, the registry's {@code auth.token.realm}. */
    public String realm() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
    }

    public String service() {
        return service;
    }

    public String issuer() {
        return issuer;
    }

    /** PEM file of the certificate that signs tokens; the registry's {@code rootcertbundle}. */
    public Path rootCertBundle() {
        return rootCertBundle;
    }

    /** The one user the server knows; null if it only serves anonymous callers. */
    public TestCredentials credentials() {
        return user;
    }

    /** How many times {@code /token} was called, whatever the answer. */
    public int tokenRequests() {
        return requests.size();
    }

    public List<TokenRequest> requests() {
        return List.copyOf(requests);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        TempDirs.delete(folder);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Map<String, List<String>> query =
                    parseQuery(exchange.getRequestURI().getRawQuery());
            List<String> scopes = new ArrayList<>();
            query.getOrDefault("scope", List.of()).forEach(s -> scopes.addAll(List.of(s.split(" "))));
            scopes.removeIf(String::isEmpty);
            if (!"GET".equals(exchange.getRequestMethod())) {
                reply(exchange, 405, error("UNSUPPORTED", "only GET"), null, scopes, List.of());
                return;
            }
            String requestedService = first(query, "service");
            if (requestedService != null && !requestedService.equals(service)) {
                reply(exchange, 400, error("DENIED", "unknown service " + requestedService), null, scopes, List.of());
                return;
            }
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            String account = null;
            if (authorization != null) {
                if (user == null || !user.basicAuthorization().equals(authorization.trim())) {
                    exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"" + realm() + "\"");
                    reply(exchange, 401, error("UNAUTHORIZED", "wrong user name or password"), null, scopes, List.of());
                    return;
                }
                account = user.username();
            } else if (!allowAnonymous) {
                exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"" + realm() + "\"");
                reply(exchange, 401, error("UNAUTHORIZED", "authentication required"), null, scopes, List.of());
                return;
            }
            List<Map<String, Object>> access = new ArrayList<>();
            List<String> granted = new ArrayList<>();
            for (String scope : scopes) {
                Map<String, Object> entry = grant(scope, account != null);
                if (entry != null) {
                    access.add(entry);
                    @SuppressWarnings("unchecked")
                    List<String> actions = (List<String>) entry.get("actions");
                    granted.add(entry.get("type") + ":" + entry.get("name") + ":" + String.join(",", actions));
                }
            }
            Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            String token = jwt(account == null ? "" : account, access, now);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("token", token);
            body.put("access_token", token);
            body.put("expires_in", expiresIn.toSeconds());
            body.put("issued_at", now.toString());
            reply(exchange, 200, JSON.writeValueAsBytes(body), account, scopes, granted);
        } catch (RuntimeException | GeneralSecurityException e) {
            requests.add(new TokenRequest(null, List.of(), 500, List.of(), sentAuthorization(exchange)));
            throw new IOException("token server failed", e);
        }
    }

    /** {@code type:name:actions}; the name may hold colons (a host with a port). */
    private static Map<String, Object> grant(String scope, boolean authenticated) {
        int firstColon = scope.indexOf(':');
        int lastColon = scope.lastIndexOf(':');
        if (firstColon < 0 || lastColon <= firstColon) {
            return null;
        }
        List<String> actions = new ArrayList<>();
        for (String action : scope.substring(lastColon + 1).split(",")) {
            if (!action.isEmpty() && (authenticated || action.equals("pull"))) {
                actions.add(action);
            }
        }
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("type", scope.substring(0, firstColon));
        entry.put("name", scope.substring(firstColon + 1, lastColon));
        entry.put("actions", actions);
        return entry;
    }

    private String jwt(String subject, List<Map<String, Object>> access, Instant now)
            throws IOException, GeneralSecurityException {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("typ", "JWT");
        header.put("alg", "RS256");
        header.put("x5c", List.of(Base64.getEncoder().encodeToString(key.certificate.getEncoded())));
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("iss", issuer);
        claims.put("sub", subject);
        claims.put("aud", service);
        claims.put("exp", now.plus(expiresIn).getEpochSecond());
        claims.put("nbf", now.minusSeconds(1).getEpochSecond());
        claims.put("iat", now.getEpochSecond());
        claims.put("jti", UUID.randomUUID().toString());
        claims.put("access", access);
        String signingInput = URL_BASE64.encodeToString(JSON.writeValueAsBytes(header)) + "."
                + URL_BASE64.encodeToString(JSON.writeValueAsBytes(claims));
        Signature signature = Signature.getInstance("SHA256withRSA");
        signature.initSign(key.keyPair.getPrivate());
        signature.update(signingInput.getBytes(StandardCharsets.US_ASCII));
        return signingInput + "." + URL_BASE64.encodeToString(signature.sign());
    }

    private void reply(
            HttpExchange exchange, int status, byte[] body, String account, List<String> scopes, List<String> granted)
            throws IOException {
        requests.add(new TokenRequest(
                account, List.copyOf(scopes), status, List.copyOf(granted), sentAuthorization(exchange)));
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static boolean sentAuthorization(HttpExchange exchange) {
        return exchange.getRequestHeaders().containsKey("Authorization");
    }

    private static byte[] error(String code, String message) {
        try {
            return JSON.writeValueAsBytes(Map.of("errors", List.of(Map.of("code", code, "message", message))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, List<String>> parseQuery(String rawQuery) {
        Map<String, List<String>> query = new LinkedHashMap<>();
        if (rawQuery == null) {
            return query;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            query.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
        }
        return query;
    }

    private static String first(Map<String, List<String>> query, String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static String pem(byte[] der) {
        String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return "-----BEGIN CERTIFICATE-----\n" + body + "\n-----END CERTIFICATE-----\n";
    }

    /** An RSA key and its self-signed certificate, made once per JVM: key generation is slow. */
    private record SigningKey(KeyPair keyPair, X509Certificate certificate) {}

    private static SigningKey signingKey() {
        SigningKey key = sharedKey;
        if (key != null) {
            return key;
        }
        synchronized (TokenServer.class) {
            if (sharedKey == null) {
                sharedKey = newSigningKey();
            }
            return sharedKey;
        }
    }

    private static SigningKey newSigningKey() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            KeyPair keyPair = generator.generateKeyPair();
            X500Name name = new X500Name("CN=registry-cache test token issuer");
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder certificate = new JcaX509v3CertificateBuilder(
                    name,
                    BigInteger.valueOf(now.toEpochMilli()),
                    Date.from(now.minus(Duration.ofHours(1))),
                    Date.from(now.plus(Duration.ofDays(30))),
                    name,
                    keyPair.getPublic());
            certificate.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            certificate.addExtension(
                    Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyCertSign));
            X509Certificate signed = new JcaX509CertificateConverter()
                    .getCertificate(certificate.build(
                            new JcaContentSignerBuilder("SHA256withRSA").build(keyPair.getPrivate())));
            return new SigningKey(keyPair, signed);
        } catch (Exception e) {
            throw new IllegalStateException("cannot make the token signing certificate", e);
        }
    }
}
