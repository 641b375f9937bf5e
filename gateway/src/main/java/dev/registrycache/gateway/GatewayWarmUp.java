package dev.registrycache.gateway;

import dev.registrycache.common.http.SyntheticBlobServer;
import dev.registrycache.common.http.WarmUp;
import dev.registrycache.common.oci.RegistryHost;
import dev.registrycache.common.store.FileDatastore;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientConnectionFactory;
import org.eclipse.jetty.client.transport.HttpClientTransportDynamic;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.ClientConnectionFactoryOverHTTP2;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The gateway's {@link WarmUp}: a throwaway gateway with the same certificate (TLS, HTTP/2 and
 * HTTP/1.1) on a loopback port, its logs and datastore in a temporary folder, whose one node is
 * a {@link SyntheticBlobServer}; each transfer GETs the synthetic blob through it, by turns over
 * HTTP/2 and HTTP/1.1, so the TLS records, both protocols and the proxy's copies run.
 */
final class GatewayWarmUp implements WarmUp.Rig {
    private static final int BLOB_MIB = 32;

    private final Path folder;
    private final SyntheticBlobServer node;
    private final GatewayServer gateway;
    private final HttpClient client;
    private final URI blob;
    private final boolean tls;
    private int transfers;

    private GatewayWarmUp(GatewayConfig real, Path folder) throws Exception {
        this.folder = folder;
        this.tls = real.certs().isPresent();
        this.node = new SyntheticBlobServer(BLOB_MIB);
        RegistryHost registry = real.registries().values().iterator().next();
        GatewayConfig copy = new GatewayConfig(
                "127.0.0.1",
                0,
                real.certs(),
                Optional.empty(),
                Map.of(registry.prefix(), node.uri()),
                Map.of(registry.prefix(), registry),
                folder.resolve("data"),
                folder.resolve("log"),
                Optional.empty(),
                Optional.empty());
        this.gateway = new GatewayServer(copy, false);
        gateway.start();
        ClientConnector connector = new ClientConnector();
        if (tls) {
            SSLContext context = SSLContext.getInstance("TLS");
            Certificate own = PemKeyStore.load(real.certs().get()).getCertificate(PemKeyStore.ALIAS);
            context.init(null, new TrustManager[] {new OwnCertificate(own)}, null);
            SslContextFactory.Client factory = new SslContextFactory.Client();
            factory.setSslContext(context);
            connector.setSslContextFactory(factory);
        }
        client = new HttpClient(new HttpClientTransportDynamic(
                connector,
                new ClientConnectionFactoryOverHTTP2.HTTP2(new HTTP2Client(connector)),
                HttpClientConnectionFactory.HTTP11));
        client.start();
        String scheme = tls ? "https" : "http";
        blob = URI.create(scheme + "://127.0.0.1:" + gateway.port() + "/v2/" + registry.prefix() + "/warm-up/blobs/"
                + node.digest());
    }

    /** The rig for the gateway configured by {@code real}, in a new temporary folder; null without registries. */
    static GatewayWarmUp open(GatewayConfig real) throws Exception {
        if (real.registries().isEmpty()) {
            return null;
        }
        Path folder = Files.createTempDirectory("registry-cache-warm-up-");
        try {
            return new GatewayWarmUp(real, folder);
        } catch (Exception e) {
            FileDatastore.deleteTree(folder);
            throw e;
        }
    }

    @Override
    public long transfer(BooleanSupplier stop) throws Exception {
        // without TLS the gateway speaks HTTP/1.1 alone
        HttpVersion version = tls && transfers++ % 2 == 0 ? HttpVersion.HTTP_2 : HttpVersion.HTTP_1_1;
        return WarmUp.get(client.newRequest(blob).version(version), stop);
    }

    @Override
    public void close() throws Exception {
        try (node) {
            client.stop();
            gateway.close();
        } finally {
            FileDatastore.deleteTree(folder);
        }
    }
}
