package dev.registrycache.common.settings;

import java.net.URI;

/**
 * A replica's peer port, as PEERS and PEER_SELF name it ({@code host:port} or {@code [v6]:port}):
 * the supervisor checks the entries before anything starts, the gateway forwards blob GETs there.
 */
public record PeerAddress(String host, int port) {
    /** {@code host:port}, with an IPv6 host in brackets. */
    public String id() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** The peer port's base URL (plain HTTP: requests there are signed, blobs verified by digest). */
    public URI uri() {
        return URI.create("http://" + id());
    }

    /** {@code host:port} or {@code [v6]:port}. */
    public static PeerAddress parse(String text) {
        String t = text.trim();
        int colon = t.lastIndexOf(':');
        if (colon <= 0 || colon == t.length() - 1) {
            throw new IllegalArgumentException("'" + text + "': expected host:port");
        }
        String host = t.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(t.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "': the port is not a number");
        }
        if (port < 1 || port > 65535 || host.isEmpty()) {
            throw new IllegalArgumentException("'" + text + "': expected host:port");
        }
        return new PeerAddress(host, port);
    }
}
