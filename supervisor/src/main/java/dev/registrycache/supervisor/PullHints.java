package dev.registrycache.supervisor;

import dev.registrycache.common.oci.RegistryHost;
import java.util.ArrayList;
import java.util.List;

/**
 * The lines printed under the ready line: how to pull through this cache as it runs, with the
 * registries of the pull secret it read (each anonymous or with credentials), the scheme it
 * serves, and the login that htpasswd asks for. A newcomer copies them; they say what this start
 * serves, not what a default would.
 */
final class PullHints {
    private PullHints() {}

    /** The lines for a cache reached at {@code hostPort} ({@code localhost:8443}). */
    static List<String> of(SupervisorConfig config, String hostPort) {
        String tlsFlag = config.tls() ? "" : "--tls-verify=false ";
        List<String> lines = new ArrayList<>();
        for (RegistryHost registry : config.registries()) {
            String how =
                    config.withCredentials().contains(registry) ? "with the pull secret's credentials" : "anonymously";
            lines.add("  " + registry.name() + " (" + how + "): podman pull " + tlsFlag + hostPort + "/"
                    + registry.prefix() + "/" + example(registry));
        }
        config.defaultRegistry()
                .ifPresent(registry -> lines.add("  names without a registry go to " + registry.name()
                        + ": Docker's daemon.json \"registry-mirrors\": [\"" + (config.tls() ? "https" : "http")
                        + "://" + hostPort + "\"]"));
        if (config.authenticated()) {
            lines.add(
                    "  htpasswd is on: podman login " + tlsFlag + hostPort + " first (docker login " + hostPort + ")");
        }
        return lines;
    }

    private static String example(RegistryHost registry) {
        if (registry.isDockerHub()) {
            return "library/alpine:latest";
        }
        if (registry.name().equals("quay.io")) {
            return "podman/hello:latest";
        }
        return "<repository>:<tag>";
    }
}
