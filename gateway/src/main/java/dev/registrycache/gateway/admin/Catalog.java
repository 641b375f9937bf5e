package dev.registrycache.gateway.admin;

import dev.registrycache.common.marks.ImageContents;
import dev.registrycache.common.marks.Pins;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.ErrorCode;
import dev.registrycache.common.oci.RegistryException;
import dev.registrycache.common.oci.RepositoryName;
import dev.registrycache.common.oci.Tag;
import dev.registrycache.common.store.Datastore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the cache holds, for operators: its registries, their repositories with the bytes they
 * hold, and a repository's tags with the image each points at. Read from the store on each
 * request (the cache has no other record of it); a blob shared by repositories counts in each.
 */
final class Catalog {
    private final Datastore store;
    private final List<String> served;
    private final Pins pins;

    Catalog(Datastore store, List<String> servedRegistries, Pins pins) {
        this.store = store;
        this.served = servedRegistries;
        this.pins = pins;
    }

    /** Every registry served (and any other the store holds), with its repositories and bytes. */
    Map<String, Object> registries() {
        Map<String, long[]> byRegistry = new TreeMap<>();
        served.forEach(r -> byRegistry.put(r, new long[2]));
        Map<String, Set<Digest>> digests = new TreeMap<>();
        for (RepositoryName repository : store.repositories()) {
            String registry = repository.firstComponent();
            byRegistry.computeIfAbsent(registry, r -> new long[2])[0]++;
            digests.computeIfAbsent(registry, r -> new HashSet<>()).addAll(linked(repository));
        }
        List<Map<String, Object>> out = new ArrayList<>();
        byRegistry.forEach((registry, counts) -> out.add(Map.of(
                "name",
                registry,
                "repositories",
                counts[0],
                "bytes",
                storedBytes(digests.getOrDefault(registry, Set.of())))));
        return Map.of("registries", out);
    }

    /** The repositories of {@code registry} (all when null), with their tags and bytes. */
    Map<String, Object> repositories(String registry) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (RepositoryName repository : store.repositories()) {
            if (registry == null || repository.firstComponent().equals(registry)) {
                out.add(Map.of(
                        "name", repository.toString(),
                        "tags", store.tags(repository).size(),
                        "bytes", storedBytes(linked(repository))));
            }
        }
        return Map.of("repositories", out);
    }

    /** One repository: its bytes and its tags, each with its image's sizes, last use and pin. */
    Map<String, Object> repository(RepositoryName repository) {
        if (!store.repositories().contains(repository)) {
            throw new RegistryException(ErrorCode.NAME_UNKNOWN, repository + " is not in the cache");
        }
        List<Map<String, Object>> tags = new ArrayList<>();
        for (Tag tag : store.tags(repository)) {
            Digest digest = store.tagTarget(repository, tag);
            if (digest != null) {
                tags.add(tag(repository, tag, digest));
            }
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", repository.toString());
        json.put("bytes", storedBytes(linked(repository)));
        json.put("tags", tags);
        return json;
    }

    private Map<String, Object> tag(RepositoryName repository, Tag tag, Digest digest) {
        ImageContents contents = ImageContents.of(store, digest);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("tag", tag.toString());
        json.put("digest", digest.toString());
        json.put("mediaType", contents.mediaType());
        json.put("size", contents.declaredBytes());
        json.put("storedBytes", contents.storedBytes());
        json.put("missingBlobs", contents.missing());
        json.put(
                "lastUse",
                contents.lastUse() < 0
                        ? null
                        : Instant.ofEpochMilli(contents.lastUse()).toString());
        json.put("pinned", pins.find(repository, digest).isPresent());
        return json;
    }

    /** The blobs and manifests linked into {@code repository}. */
    private Set<Digest> linked(RepositoryName repository) {
        Set<Digest> digests = new HashSet<>(store.layerLinks(repository));
        digests.addAll(store.manifestRevisions(repository));
        return digests;
    }

    private long storedBytes(Set<Digest> digests) {
        long bytes = 0;
        for (Digest d : digests) {
            bytes += Math.max(0, store.blobSize(d));
        }
        return bytes;
    }
}
