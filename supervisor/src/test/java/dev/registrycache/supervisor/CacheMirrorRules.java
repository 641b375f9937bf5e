package dev.registrycache.supervisor;

import dev.registrycache.common.InvalidValueException;
import dev.registrycache.common.oci.RegistryHost;
import dev.registrycache.common.oci.RepositoryName;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The cache's own rules for a client's mirror entries, which no CRD knows. A client replaces the
 * part of an image's name that matches the source by the mirror ({@code quay.io/podman/hello}
 * becomes {@code cache.example.com:8443/quay.io/podman/hello}), and the cache serves a registry
 * under its prefix ({@link RegistryHost#prefix()}: {@code quay.io}, {@code registry.local_5000}),
 * so each mirror must be {@code <cache host[:port]>/<prefix of the source's registry>[/<the
 * source's namespace>]}, a repository name the cache accepts. A source is a registry or a
 * registry's namespace; a wildcard ({@code *.redhat.io}) cannot be mirrored so, as the host it
 * matched would be lost. Every entry has a mirror, and all mirrors name one cache.
 */
final class CacheMirrorRules {
    private CacheMirrorRules() {}

    /** Adds what is wrong with the entries (source to its mirrors) to {@code problems}. */
    static void check(Map<String, List<String>> entries, String where, List<String> problems) {
        Set<String> caches = new TreeSet<>();
        entries.forEach((source, mirrors) -> {
            if (mirrors.isEmpty()) {
                problems.add(where + ": source " + source + " has no mirror");
            }
            for (String mirror : mirrors) {
                int slash = mirror.indexOf('/');
                String cache = slash < 0 ? mirror : mirror.substring(0, slash);
                caches.add(cache);
                String expected = cacheName(cache, source, where, problems);
                if (expected != null && !mirror.equals(expected)) {
                    problems.add(where + ": the mirror of " + source + " must be " + expected + " (the cache serves "
                            + "a registry under its prefix), not " + mirror);
                }
            }
        });
        if (caches.size() > 1) {
            problems.add(where + ": the mirrors name more than one cache: " + caches);
        }
    }

    /** The name under which {@code cache} serves {@code source}; null (and a problem) when it cannot. */
    private static String cacheName(String cache, String source, String where, List<String> problems) {
        if (source.startsWith("*")) {
            problems.add(where + ": source " + source + " is a wildcard: its mirror would lose the host it matched");
            return null;
        }
        int slash = source.indexOf('/');
        String registry = slash < 0 ? source : source.substring(0, slash);
        try {
            RegistryHost host = RegistryHost.fromKey(registry);
            if (!host.name().equals(registry)) {
                problems.add(where + ": source " + source + " must name its registry as " + host.name());
                return null;
            }
            if (!RegistryHost.fromKey(cache).name().equals(cache)) {
                problems.add(where + ": the cache " + cache + " must be named as host[:port]");
                return null;
            }
            String name = host.prefix() + (slash < 0 ? "" : source.substring(slash));
            RepositoryName.parse(name);
            return cache + "/" + name;
        } catch (InvalidValueException e) {
            problems.add(where + ": the cache " + cache + " cannot serve source " + source + ": " + e.getMessage());
            return null;
        }
    }
}
