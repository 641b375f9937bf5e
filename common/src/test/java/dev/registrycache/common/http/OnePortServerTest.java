package dev.registrycache.common.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.testsupport.Sha256;
import dev.registrycache.testsupport.SlowClient;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;

/** What a stop does to the connections of a server: a transfer in flight finishes, an idle connection closes. */
class OnePortServerTest {
    private static final byte[] BIG = new byte[20 << 20];

    static {
        new Random(21).nextBytes(BIG);
    }

    /** Serves {@link #BIG} at {@code /big}, and 2 bytes anywhere else. */
    private static final class BytesServer extends OnePortServer {
        BytesServer() {
            super("test", null, "127.0.0.1", 0, new HttpConnectionFactory(httpConfiguration()));
            setHandler(new Handler.Abstract() {
                @Override
                public boolean handle(Request request, Response response, Callback callback) {
                    byte[] body = request.getHttpURI().getPath().equals("/big") ? BIG : new byte[] {'o', 'k'};
                    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
                    response.write(true, ByteBuffer.wrap(body), callback);
                    return true;
                }
            });
        }

        @Override
        protected void closeAfterStop() {
            // holds nothing
        }
    }

    @Test
    void aStopLetsASlowClientsTransferFinishAndClosesIdleConnectionsAtOnce() throws Exception {
        BytesServer server = new BytesServer();
        server.start();
        try (SlowClient idle = SlowClient.get(server.port(), "/small", SlowClient.Pace.FAST);
                SlowClient slow = SlowClient.get(server.port(), "/big", SlowClient.Pace.STALLING)) {
            idle.readToEnd(); // a keep-alive connection with no request on it
            slow.readUntil(1 << 20);
            CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> {
                try {
                    server.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertTrue(
                    idle.closedByServerWithin(Duration.ofSeconds(15)),
                    "the stop closes a connection that has no request in flight without waiting for the others");
            assertEquals(Sha256.of(BIG), slow.readToEnd(), "the slow client's transfer finished whole");
            stopping.get(60, TimeUnit.SECONDS);
        } finally {
            server.close();
        }
    }
}
