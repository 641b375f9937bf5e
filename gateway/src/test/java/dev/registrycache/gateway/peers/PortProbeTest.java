package dev.registrycache.gateway.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.registrycache.common.settings.PeerAddress;
import dev.registrycache.testsupport.FreePort;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The probe against sockets that answer as each kind of port would. Against the gateway's own
 * ports (plain, TLS, peer): {@code PeerForwardingTest}.
 */
class PortProbeTest {
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    /** A port that reads a request head and sends {@code answer} (null: nothing, ever; empty: closes). */
    private PeerAddress answering(String answer) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        List<Socket> held = new ArrayList<>();
        open.add(server);
        open.add(() -> {
            for (Socket s : held) {
                s.close();
            }
        });
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    held.add(s);
                    InputStream in = s.getInputStream();
                    int matched = 0;
                    while (matched < 4) {
                        int b = in.read();
                        if (b < 0) {
                            break;
                        }
                        matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
                    }
                    if (answer != null) {
                        s.getOutputStream().write(answer.getBytes(StandardCharsets.US_ASCII));
                        s.close();
                    }
                } catch (IOException e) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
        return new PeerAddress("127.0.0.1", server.getLocalPort());
    }

    @Test
    void aPeerPortRefusesTheUnsignedRequest() throws Exception {
        PeerAddress peer = answering("HTTP/1.1 403 Forbidden\r\nDocker-Distribution-API-Version: registry/2.0\r\n"
                + "Content-Length: 0\r\n\r\n");
        assertEquals(PortProbe.Answer.PEER_PORT, PortProbe.probe(peer));
    }

    @Test
    void aPublicPortAnswersTheBaseEndpointAsARegistry() throws Exception {
        PeerAddress open = answering(
                "HTTP/1.1 200 OK\r\ndocker-distribution-api-version: registry/2.0\r\nContent-Length: 0\r\n\r\n");
        PeerAddress withCredentials = answering("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"r\"\r\n"
                + "Docker-Distribution-API-Version: registry/2.0\r\nContent-Length: 0\r\n\r\n");
        assertEquals(
                Map.of(open, PortProbe.Answer.PUBLIC_PORT, withCredentials, PortProbe.Answer.PUBLIC_PORT),
                PortProbe.probeAll(List.of(open, withCredentials)));
    }

    @Test
    void whatSaysNeitherIsNoAnswer() throws Exception {
        PeerAddress silent = answering(null);
        PeerAddress closes = answering("");
        PeerAddress webServer = answering("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        PeerAddress notHttp = answering("SSH-2.0-OpenSSH_9.2\r\n\r\n");
        PeerAddress down = new PeerAddress("127.0.0.1", FreePort.pick());
        assertEquals(
                Map.of(
                        silent, PortProbe.Answer.NONE,
                        closes, PortProbe.Answer.NONE,
                        webServer, PortProbe.Answer.NONE,
                        notHttp, PortProbe.Answer.NONE,
                        down, PortProbe.Answer.NONE),
                PortProbe.probeAll(List.of(silent, closes, webServer, notHttp, down)));
    }
}
