package dev.registrycache.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The batching engine against the JDK's own client engine, in memory, over TLS 1.3 and 1.2. */
class RecordBatchingEngineTest {
    private static final int MAX_FRAGMENT = 16 * 1024;

    private static SSLContext serverContext;
    private static SSLContext clientContext;

    @BeforeAll
    static void contexts(@TempDir Path dir) throws Exception {
        TestPki pki = new TestPki();
        KeyStore keys = PemKeyStore.load(pki.writeCertsPem(dir, TestPki.KeyFormat.EC));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, PemKeyStore.PASSWORD);
        serverContext = SSLContext.getInstance("TLS");
        serverContext.init(kmf.getKeyManagers(), null, null);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", new JcaX509CertificateConverter().getCertificate(pki.ca));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        clientContext = SSLContext.getInstance("TLS");
        clientContext.init(null, tmf.getTrustManagers(), null);
    }

    /** A connected pair: the batching server engine and a JDK client engine, handshake done. */
    private record Pair(RecordBatchingEngine server, SSLEngine client) {}

    private static Pair connect(
            String protocol,
            List<String> clientAlpn,
            java.util.function.BiFunction<SSLEngine, List<String>, String> selector)
            throws Exception {
        RecordBatchingEngine server = new RecordBatchingEngine(serverContext.createSSLEngine());
        server.setUseClientMode(false);
        server.setEnabledProtocols(new String[] {protocol});
        if (selector != null) {
            server.setHandshakeApplicationProtocolSelector(selector);
        }
        SSLEngine client = clientContext.createSSLEngine("localhost", 443);
        client.setUseClientMode(true);
        SSLParameters params = client.getSSLParameters();
        params.setProtocols(new String[] {protocol});
        params.setApplicationProtocols(clientAlpn.toArray(String[]::new));
        client.setSSLParameters(params);
        client.beginHandshake();
        server.beginHandshake();
        ByteBuffer toServer = ByteBuffer.allocate(64 * 1024);
        ByteBuffer toClient = ByteBuffer.allocate(server.getSession().getPacketBufferSize());
        ByteBuffer sink = ByteBuffer.allocate(64 * 1024);
        for (int step = 0; step < 200 && (handshaking(client) || handshaking(server)); step++) {
            pump(client, toServer, sink);
            pump(server, toClient, sink);
            toServer.flip();
            server.unwrap(toServer, sink.clear());
            runTasks(server);
            toServer.compact();
            toClient.flip();
            client.unwrap(toClient, sink.clear());
            runTasks(client);
            toClient.compact();
        }
        assertEquals(SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING, server.getHandshakeStatus());
        assertEquals(SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING, client.getHandshakeStatus());
        // TLS 1.3: the server's session tickets still travel after the handshake
        toClient.flip();
        while (toClient.hasRemaining()) {
            client.unwrap(toClient, sink.clear());
            runTasks(client);
        }
        return new Pair(server, client);
    }

    private static boolean handshaking(SSLEngine engine) {
        return engine.getHandshakeStatus() != SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING;
    }

    private static void pump(SSLEngine engine, ByteBuffer out, ByteBuffer empty) throws Exception {
        while (engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
            engine.wrap(empty.clear().flip(), out);
            runTasks(engine);
        }
    }

    private static void runTasks(SSLEngine engine) {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }

    private static byte[] unwrapAll(SSLEngine client, ByteBuffer records) throws Exception {
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        ByteBuffer out = ByteBuffer.allocate(client.getSession().getApplicationBufferSize());
        while (records.hasRemaining()) {
            SSLEngineResult r = client.unwrap(records, out.clear());
            assertEquals(SSLEngineResult.Status.OK, r.getStatus());
            plain.write(out.array(), 0, out.flip().remaining());
        }
        return plain.toByteArray();
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void wrapsSeveralRecordsPerCallAndTheClientReadsThemAll(String protocol) throws Exception {
        Pair pair = connect(protocol, List.of("http/1.1"), null);
        int record = pair.client().getSession().getPacketBufferSize();
        assertEquals(
                RecordBatchingEngine.RECORDS * record,
                pair.server().getSession().getPacketBufferSize());

        byte[] payload = new byte[3 * 1024 * 1024 + 123];
        new Random(7).nextBytes(payload);
        ByteBuffer[] app = {ByteBuffer.wrap(payload, 0, 1000), ByteBuffer.wrap(payload, 1000, payload.length - 1000)};
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        ByteBuffer net = ByteBuffer.allocate(pair.server().getSession().getPacketBufferSize());
        int calls = 0;
        int perCall = 0;
        while (app[0].hasRemaining() || app[1].hasRemaining()) {
            SSLEngineResult r = pair.server().wrap(app, net.clear());
            calls++;
            assertEquals(SSLEngineResult.Status.OK, r.getStatus());
            assertEquals(net.position(), r.bytesProduced());
            if (perCall == 0) { // a record holds at most 16 KiB (the JDK's TLS 1.2 GCM records a little less)
                perCall = r.bytesConsumed();
                assertTrue(perCall > (RecordBatchingEngine.RECORDS - 1) * MAX_FRAGMENT, "consumed " + perCall);
            } else if (app[1].remaining() > 0) {
                assertEquals(perCall, r.bytesConsumed());
            }
            received.writeBytes(unwrapAll(pair.client(), net.flip()));
        }
        assertArrayEquals(payload, received.toByteArray());
        assertEquals((payload.length + perCall - 1) / perCall, calls);
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void aSmallWriteIsOneRecordAndCloseStillSendsCloseNotify(String protocol) throws Exception {
        Pair pair = connect(protocol, List.of("http/1.1"), null);
        ByteBuffer net = ByteBuffer.allocate(pair.server().getSession().getPacketBufferSize());
        SSLEngineResult r = pair.server().wrap(ByteBuffer.wrap("hello".getBytes()), net);
        assertEquals(5, r.bytesConsumed());
        assertEquals("hello", new String(unwrapAll(pair.client(), net.flip())));

        pair.server().closeOutbound();
        r = pair.server().wrap(ByteBuffer.allocate(0), net.clear());
        assertEquals(SSLEngineResult.Status.CLOSED, r.getStatus());
        assertTrue(pair.server().isOutboundDone());
        SSLEngineResult atClient = pair.client().unwrap(net.flip(), ByteBuffer.allocate(MAX_FRAGMENT + 1024));
        assertEquals(SSLEngineResult.Status.CLOSED, atClient.getStatus());
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void alpnSelectorSeesTheBatchingEngine(String protocol) throws Exception {
        AtomicReference<SSLEngine> asked = new AtomicReference<>();
        Pair pair = connect(protocol, List.of("h2", "http/1.1"), (engine, offered) -> {
            asked.set(engine);
            return offered.contains("h2") ? "h2" : null;
        });
        assertSame(pair.server(), asked.get());
        assertEquals("h2", pair.server().getApplicationProtocol());
        assertEquals("h2", pair.client().getApplicationProtocol());
    }
}
