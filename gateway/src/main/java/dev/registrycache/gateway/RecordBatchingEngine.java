package dev.registrycache.gateway;

import java.nio.ByteBuffer;
import java.security.Principal;
import java.security.cert.Certificate;
import java.util.List;
import java.util.function.BiFunction;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSessionContext;

/**
 * An {@link SSLEngine} that encrypts several TLS records per {@code wrap} call, so that Jetty's
 * {@code SslConnection} hands the kernel up to {@link #RECORDS} records (80 KiB) per write
 * instead of one 16 KiB record: five times fewer socket writes and client wake-ups for a large
 * blob (figures in bench/README.md, "Gateway").
 *
 * <p>Jetty sizes its encrypted output buffer by the session's packet buffer size, and takes one
 * {@code wrap} result per flush; this engine reports a packet buffer {@link #RECORDS} times the
 * JDK engine's and, once the handshake is done, wraps again while the buffer has room for a whole
 * record and there is application data left. Everything else is the JDK engine's, unchanged.
 */
final class RecordBatchingEngine extends SSLEngine {
    static final int RECORDS = 5;

    private final SSLEngine engine;
    private SSLSession session;
    private BatchingSession batchingSession;
    private BiFunction<SSLEngine, List<String>, String> protocolSelector;

    RecordBatchingEngine(SSLEngine engine) {
        super(engine.getPeerHost(), engine.getPeerPort());
        this.engine = engine;
    }

    @Override
    public SSLEngineResult wrap(ByteBuffer[] srcs, int offset, int length, ByteBuffer dst) throws SSLException {
        SSLEngineResult result = engine.wrap(srcs, offset, length, dst);
        if (!canContinue(result)) {
            return result;
        }
        int consumed = result.bytesConsumed();
        int produced = result.bytesProduced();
        int record = engine.getSession().getPacketBufferSize();
        while (dst.remaining() >= record && hasRemaining(srcs, offset, length)) {
            SSLEngineResult next = engine.wrap(srcs, offset, length, dst);
            consumed += next.bytesConsumed();
            produced += next.bytesProduced();
            result = next;
            if (!canContinue(next)) {
                break;
            }
        }
        SSLEngineResult.Status status = result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW
                ? SSLEngineResult.Status.OK // earlier records were written
                : result.getStatus();
        return new SSLEngineResult(status, result.getHandshakeStatus(), consumed, produced);
    }

    private static boolean canContinue(SSLEngineResult result) {
        return result.getStatus() == SSLEngineResult.Status.OK
                && result.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING
                && result.bytesConsumed() > 0;
    }

    private static boolean hasRemaining(ByteBuffer[] srcs, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            if (srcs[i].hasRemaining()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public SSLEngineResult unwrap(ByteBuffer src, ByteBuffer[] dsts, int offset, int length) throws SSLException {
        return engine.unwrap(src, dsts, offset, length);
    }

    @Override
    public synchronized SSLSession getSession() {
        SSLSession current = engine.getSession();
        if (current != session) {
            session = current;
            batchingSession = new BatchingSession(current);
        }
        return batchingSession;
    }

    @Override
    public SSLSession getHandshakeSession() {
        return engine.getHandshakeSession();
    }

    @Override
    public Runnable getDelegatedTask() {
        return engine.getDelegatedTask();
    }

    @Override
    public void closeInbound() throws SSLException {
        engine.closeInbound();
    }

    @Override
    public boolean isInboundDone() {
        return engine.isInboundDone();
    }

    @Override
    public void closeOutbound() {
        engine.closeOutbound();
    }

    @Override
    public boolean isOutboundDone() {
        return engine.isOutboundDone();
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return engine.getSupportedCipherSuites();
    }

    @Override
    public String[] getEnabledCipherSuites() {
        return engine.getEnabledCipherSuites();
    }

    @Override
    public void setEnabledCipherSuites(String[] suites) {
        engine.setEnabledCipherSuites(suites);
    }

    @Override
    public String[] getSupportedProtocols() {
        return engine.getSupportedProtocols();
    }

    @Override
    public String[] getEnabledProtocols() {
        return engine.getEnabledProtocols();
    }

    @Override
    public void setEnabledProtocols(String[] protocols) {
        engine.setEnabledProtocols(protocols);
    }

    @Override
    public void beginHandshake() throws SSLException {
        engine.beginHandshake();
    }

    @Override
    public SSLEngineResult.HandshakeStatus getHandshakeStatus() {
        return engine.getHandshakeStatus();
    }

    @Override
    public void setUseClientMode(boolean mode) {
        engine.setUseClientMode(mode);
    }

    @Override
    public boolean getUseClientMode() {
        return engine.getUseClientMode();
    }

    @Override
    public void setNeedClientAuth(boolean need) {
        engine.setNeedClientAuth(need);
    }

    @Override
    public boolean getNeedClientAuth() {
        return engine.getNeedClientAuth();
    }

    @Override
    public void setWantClientAuth(boolean want) {
        engine.setWantClientAuth(want);
    }

    @Override
    public boolean getWantClientAuth() {
        return engine.getWantClientAuth();
    }

    @Override
    public void setEnableSessionCreation(boolean flag) {
        engine.setEnableSessionCreation(flag);
    }

    @Override
    public boolean getEnableSessionCreation() {
        return engine.getEnableSessionCreation();
    }

    @Override
    public SSLParameters getSSLParameters() {
        return engine.getSSLParameters();
    }

    @Override
    public void setSSLParameters(SSLParameters params) {
        engine.setSSLParameters(params);
    }

    @Override
    public String getApplicationProtocol() {
        return engine.getApplicationProtocol();
    }

    @Override
    public String getHandshakeApplicationProtocol() {
        return engine.getHandshakeApplicationProtocol();
    }

    @Override
    public void setHandshakeApplicationProtocolSelector(BiFunction<SSLEngine, List<String>, String> selector) {
        protocolSelector = selector;
        engine.setHandshakeApplicationProtocolSelector(
                selector == null ? null : (e, protocols) -> selector.apply(this, protocols));
    }

    @Override
    public BiFunction<SSLEngine, List<String>, String> getHandshakeApplicationProtocolSelector() {
        return protocolSelector;
    }

    @Override
    public String toString() {
        return engine.toString();
    }

    /** The JDK engine's session, with room for {@link #RECORDS} records in a packet buffer. */
    private static final class BatchingSession implements SSLSession {
        private final SSLSession session;

        BatchingSession(SSLSession session) {
            this.session = session;
        }

        @Override
        public int getPacketBufferSize() {
            return RECORDS * session.getPacketBufferSize();
        }

        @Override
        public int getApplicationBufferSize() {
            return session.getApplicationBufferSize();
        }

        @Override
        public byte[] getId() {
            return session.getId();
        }

        @Override
        public SSLSessionContext getSessionContext() {
            return session.getSessionContext();
        }

        @Override
        public long getCreationTime() {
            return session.getCreationTime();
        }

        @Override
        public long getLastAccessedTime() {
            return session.getLastAccessedTime();
        }

        @Override
        public void invalidate() {
            session.invalidate();
        }

        @Override
        public boolean isValid() {
            return session.isValid();
        }

        @Override
        public void putValue(String name, Object value) {
            session.putValue(name, value);
        }

        @Override
        public Object getValue(String name) {
            return session.getValue(name);
        }

        @Override
        public void removeValue(String name) {
            session.removeValue(name);
        }

        @Override
        public String[] getValueNames() {
            return session.getValueNames();
        }

        @Override
        public Certificate[] getPeerCertificates() throws SSLPeerUnverifiedException {
            return session.getPeerCertificates();
        }

        @Override
        public Certificate[] getLocalCertificates() {
            return session.getLocalCertificates();
        }

        @Override
        @SuppressWarnings("removal")
        public javax.security.cert.X509Certificate[] getPeerCertificateChain() throws SSLPeerUnverifiedException {
            return session.getPeerCertificateChain();
        }

        @Override
        public Principal getPeerPrincipal() throws SSLPeerUnverifiedException {
            return session.getPeerPrincipal();
        }

        @Override
        public Principal getLocalPrincipal() {
            return session.getLocalPrincipal();
        }

        @Override
        public String getCipherSuite() {
            return session.getCipherSuite();
        }

        @Override
        public String getProtocol() {
            return session.getProtocol();
        }

        @Override
        public String getPeerHost() {
            return session.getPeerHost();
        }

        @Override
        public int getPeerPort() {
            return session.getPeerPort();
        }
    }
}
