package dev.registrycache.gateway;

import javax.net.ssl.SSLEngine;
import org.eclipse.jetty.alpn.java.server.JDK9ServerALPNProcessor;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.ssl.ALPNProcessor;

/**
 * ALPN for a {@link RecordBatchingEngine}: Jetty's JDK processor only takes the JDK's own
 * engines (it checks the engine's module), and ours forwards the protocol selector to one.
 * Registered in {@code META-INF/services}, where Jetty's ALPN connection factory looks.
 */
public final class BatchingEngineAlpn implements ALPNProcessor.Server {
    private final JDK9ServerALPNProcessor jdk = new JDK9ServerALPNProcessor();

    @Override
    public void init() {
        jdk.init();
    }

    @Override
    public boolean appliesTo(SSLEngine engine) {
        return engine instanceof RecordBatchingEngine;
    }

    @Override
    public void configure(SSLEngine engine, Connection connection) {
        jdk.configure(engine, connection);
    }
}
