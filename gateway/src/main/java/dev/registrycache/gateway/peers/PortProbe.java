package dev.registrycache.gateway.peers;

import dev.registrycache.common.settings.PeerAddress;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.eclipse.jetty.server.Request;

/**
 * Whether a PEERS entry is a replica's peer port or a registry's public port. A list naming the
 * public ports (8443 instead of PEER_PORT) has the replicas forward blob GETs to each other's
 * clients' port, in a loop when they disagree on the owner. The probe asks the registry base
 * endpoint, {@code GET /v2/}, unsigned: a public port answers it as a registry does (200, or 401
 * asking for credentials, with {@code Docker-Distribution-API-Version}), or speaks TLS, which no
 * peer port does (over plain HTTP it says to use https); a peer port refuses it (403). Nothing
 * secret is sent.
 */
public final class PortProbe {
    /** What an entry answered. */
    public enum Answer {
        /** Refused the unsigned request, as a peer port does. */
        PEER_PORT,
        /** Answered as a registry's public port. */
        PUBLIC_PORT,
        /** No answer (down, not started yet, frozen) or one that says neither. */
        NONE
    }

    /** What the probe asks: the registry base endpoint. */
    public static final String PATH = "/v2/";

    private static final int TIMEOUT_MILLIS = 2000;
    private static final int MAX_HEAD = 16 * 1024;

    private PortProbe() {}

    /** Probes every entry at once: as long as the slowest, a few seconds at most. */
    public static Map<PeerAddress, Answer> probeAll(Collection<PeerAddress> peers) {
        Map<PeerAddress, Answer> answers = new LinkedHashMap<>();
        if (peers.isEmpty()) {
            return answers;
        }
        ExecutorService threads = Executors.newFixedThreadPool(Math.min(peers.size(), 16), r -> {
            Thread t = new Thread(r, "peer-probe");
            t.setDaemon(true);
            return t;
        });
        try {
            Map<PeerAddress, Future<Answer>> pending = new LinkedHashMap<>();
            for (PeerAddress p : peers) {
                pending.put(p, threads.submit(() -> probe(p)));
            }
            for (Map.Entry<PeerAddress, Future<Answer>> e : pending.entrySet()) {
                answers.put(e.getKey(), e.getValue().get());
            }
            return answers;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while probing the peers", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } finally {
            threads.shutdownNow();
        }
    }

    /** Asks one entry. */
    public static Answer probe(PeerAddress peer) {
        String head;
        try {
            head = askBaseEndpoint(peer);
        } catch (SocketTimeoutException | ConnectException | UnknownHostException e) {
            return Answer.NONE;
        } catch (IOException e) {
            head = ""; // accepted, then closed without an answer
        }
        Answer answer = head.startsWith("HTTP/") ? classify(head) : Answer.NONE;
        if (answer == Answer.NONE) {
            // a TLS port answers plain HTTP with a 400 (ours), an alert record, or closes
            return speaksTls(peer) ? Answer.PUBLIC_PORT : Answer.NONE;
        }
        return answer;
    }

    /** Whether a request on the peer port is another replica's probe: refused, but not counted as an intrusion. */
    public static boolean isProbe(Request request) {
        return "GET".equals(request.getMethod())
                && PATH.equals(request.getHttpURI().getPathQuery())
                && !request.getHeaders().contains(PeerAuth.HEADER);
    }

    /** The status line and headers of the answer to {@code GET /v2/}. */
    private static String askBaseEndpoint(PeerAddress peer) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(peer.host(), peer.port()), TIMEOUT_MILLIS);
            socket.setSoTimeout(TIMEOUT_MILLIS);
            String request = "GET " + PATH + " HTTP/1.1\r\nHost: " + peer.id() + "\r\nConnection: close\r\n\r\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            int first = socket.getInputStream().read();
            if (first != 'H') {
                return first < 0 ? "" : String.valueOf((char) first); // not HTTP: no need to wait for more
            }
            BufferedReader in =
                    new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
            StringBuilder head = new StringBuilder("H");
            String line;
            while ((line = in.readLine()) != null && !line.isEmpty() && head.length() < MAX_HEAD) {
                head.append(line).append('\n');
            }
            return head.toString();
        }
    }

    /** What an HTTP answer says. */
    private static Answer classify(String head) {
        List<String> lines = head.lines().toList();
        String[] status = lines.get(0).split(" ");
        if (status.length < 2) {
            return Answer.NONE;
        }
        boolean registry =
                lines.stream().anyMatch(l -> l.toLowerCase(Locale.ROOT).startsWith("docker-distribution-api-version:"));
        return switch (status[1]) {
            case "403" -> Answer.PEER_PORT;
            case "200", "401" -> registry ? Answer.PUBLIC_PORT : Answer.NONE;
            default -> Answer.NONE;
        };
    }

    /** Whether a TLS handshake succeeds: the certificate is not checked, as nothing is sent over it. */
    private static boolean speaksTls(PeerAddress peer) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(peer.host(), peer.port()), TIMEOUT_MILLIS);
            socket.setSoTimeout(TIMEOUT_MILLIS);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new AnyCertificate()}, null);
            try (SSLSocket tls =
                    (SSLSocket) context.getSocketFactory().createSocket(socket, peer.host(), peer.port(), true)) {
                tls.startHandshake();
                return true;
            }
        } catch (IOException | GeneralSecurityException e) {
            return false;
        }
    }

    /** For the handshake of the probe only: it tells whether a port speaks TLS, not whom to trust. */
    private static final class AnyCertificate implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
            // never a client
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            // any: nothing is sent over this connection
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
