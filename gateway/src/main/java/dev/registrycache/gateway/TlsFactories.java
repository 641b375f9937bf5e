package dev.registrycache.gateway;

import java.security.KeyStore;
import javax.net.ssl.SSLEngine;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http2.HTTP2Cipher;
import org.eclipse.jetty.http2.HTTP2Connection;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.DetectorConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The connection factories of the gateway's TLS port: TLS 1.3 and 1.2 with the key and chain
 * of {@code certs.pem}, then HTTP/2 or HTTP/1.1 by ALPN (HTTP/1.1 for clients without ALPN).
 * A connection whose first bytes are not TLS goes to plain HTTP/1.1, where the
 * {@link PublicPortHandler} answers every request with a 400 that says to use https: a client
 * given the wrong scheme learns why instead of reading a TLS alert as garbage.
 *
 * <p>Two settings are for blob throughput, measured with bench/run-gateway-bench.sh: TLS records
 * are handed to the kernel several at a time ({@link RecordBatchingEngine}), and an HTTP/2
 * connection writes up to {@link #HTTP2_WRITE_THRESHOLD} of frames at once instead of Jetty's
 * default 32 KiB, so a blob goes out in fewer, larger writes.
 */
final class TlsFactories {
    static final int HTTP2_WRITE_THRESHOLD = 256 * 1024;

    private TlsFactories() {}

    static ConnectionFactory[] of(KeyStore keys, HttpConfiguration http, HttpConnectionFactory http11) {
        SslContextFactory.Server tls = new SslContextFactory.Server() {
            @Override
            public SSLEngine newSSLEngine(String host, int port) {
                return new RecordBatchingEngine(super.newSSLEngine(host, port));
            }
        };
        tls.setKeyStore(keys);
        tls.setKeyStorePassword(new String(PemKeyStore.PASSWORD));
        tls.setIncludeProtocols("TLSv1.3", "TLSv1.2");
        tls.setCipherComparator(HTTP2Cipher.COMPARATOR);
        HTTP2ServerConnectionFactory h2 = new HTTP2ServerConnectionFactory(http) {
            @Override
            public Connection newConnection(Connector connector, EndPoint endPoint) {
                Connection connection = super.newConnection(connector, endPoint);
                ((HTTP2Connection) connection).getSession().setWriteThreshold(HTTP2_WRITE_THRESHOLD);
                return connection;
            }
        };
        h2.setMaxConcurrentStreams(256);
        ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory(h2.getProtocol(), http11.getProtocol());
        alpn.setDefaultProtocol(http11.getProtocol());
        // TLS when the first bytes are TLS, else the protocol that follows the detector: HTTP/1.1
        DetectorConnectionFactory tlsOrPlain =
                new DetectorConnectionFactory(new SslConnectionFactory(tls, alpn.getProtocol()));
        return new ConnectionFactory[] {tlsOrPlain, http11, alpn, h2};
    }
}
