package dev.registrycache.common.settings;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Map;

/**
 * The address the public port listens on ({@link Setting#BIND_ADDRESS}): every interface by
 * default, as a server or a container wants, or one local address, e.g. {@code 127.0.0.1} for a
 * cache that only this machine may use. It decides where the supervisor and the health check
 * knock to see the gateway serve, and whether the cache is reachable from the network at all.
 */
public final class BindAddress {
    private static final String ALL = "0.0.0.0";

    private final String text;
    private final InetAddress address;

    private BindAddress(String text, InetAddress address) {
        this.text = text;
        this.address = address;
    }

    /** Every interface. */
    public static BindAddress all() {
        return new BindAddress(ALL, null);
    }

    /**
     * The flag, else {@code BIND_ADDRESS}, else every interface. An address that is not one of
     * this machine's (or a name that does not resolve to one) is refused with a message naming it.
     */
    public static BindAddress resolve(String flag, Map<String, String> env) {
        String value = Setting.BIND_ADDRESS.resolve(flag, env);
        if (value == null || value.isBlank() || value.equals(ALL) || value.equals("::") || value.equals("*")) {
            return all();
        }
        String what = Setting.BIND_ADDRESS.env() + " / " + Setting.BIND_ADDRESS.flag() + " '" + value + "': ";
        InetAddress address;
        try {
            address = InetAddress.getByName(value);
        } catch (UnknownHostException e) {
            throw new ConfigException(what + "not an address, and no such host name");
        }
        if (address.isAnyLocalAddress()) {
            return all();
        }
        if (!isLocal(address)) {
            throw new ConfigException(what + address.getHostAddress()
                    + " is not an address of this machine; use one of its addresses, 127.0.0.1 for this "
                    + "machine alone, or 0.0.0.0 for every interface");
        }
        return new BindAddress(value, address);
    }

    private static boolean isLocal(InetAddress address) {
        if (address.isLoopbackAddress()) {
            return true;
        }
        try {
            return NetworkInterface.getByInetAddress(address) != null;
        } catch (SocketException e) {
            return false;
        }
    }

    /** Whether it listens on every interface. */
    public boolean isAll() {
        return address == null;
    }

    /** Whether only this machine can reach it (a loopback address). */
    public boolean isLoopback() {
        return address != null && address.isLoopbackAddress();
    }

    /** The host to give Jetty's connector: {@code 0.0.0.0} or the address as configured. */
    public String listenHost() {
        return text;
    }

    /** The address a process on this machine connects to, to reach the port: loopback when listening on all. */
    public InetAddress probeAddress() {
        return address != null ? address : InetAddress.getLoopbackAddress();
    }

    /** The host in a URL: the configured name or address, IPv6 in brackets; null when listening on all. */
    public String urlHost() {
        if (address == null) {
            return null;
        }
        return text.contains(":") ? "[" + text + "]" : text;
    }

    @Override
    public String toString() {
        return isAll() ? "every interface" : text;
    }
}
