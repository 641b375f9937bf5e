package dev.registrycache.gateway.admin;

import dev.registrycache.common.marks.ImageContents;
import dev.registrycache.common.marks.Pin;
import dev.registrycache.common.marks.Pins;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.ErrorCode;
import dev.registrycache.common.oci.RegistryException;
import dev.registrycache.common.oci.RepositoryName;
import dev.registrycache.common.oci.Tag;
import dev.registrycache.common.store.Datastore;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Removes a tag, a manifest or a whole repository from the cache, so that the next pull fetches
 * it again: its links go, and the blobs nothing links any more are deleted at once, not left to
 * the cleaner. Within the repository, what another tag or manifest still uses stays (an index's
 * children, shared layers); across repositories, a blob another repository links stays. Pinned
 * images are refused: unpin first. A pull of the same image while it is purged may find its
 * blobs gone and fetch them again.
 */
final class Purge {
    private final Datastore store;
    private final Pins pins;

    Purge(Datastore store, Pins pins) {
        this.store = store;
        this.pins = pins;
    }

    /** What a purge removed. */
    record Result(
            RepositoryName repository, int tags, int manifests, int layerLinks, int blobsDeleted, long bytesFreed) {
        Map<String, Object> toJson() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("repository", repository.toString());
            json.put("tags", tags);
            json.put("manifests", manifests);
            json.put("layerLinks", layerLinks);
            json.put("blobsDeleted", blobsDeleted);
            json.put("bytesFreed", bytesFreed);
            return Map.of("purged", json);
        }
    }

    Result repository(RepositoryName repository) {
        if (!store.repositories().contains(repository)) {
            throw new RegistryException(ErrorCode.NAME_UNKNOWN, repository + " is not in the cache");
        }
        for (Pin pin : pins.all()) {
            if (pin.repository().equals(repository)) {
                throw pinned(pin);
            }
        }
        Set<Digest> candidates = new HashSet<>();
        int tags = 0;
        for (Tag tag : store.tags(repository)) {
            Digest target = store.tagTarget(repository, tag);
            if (target != null) {
                candidates.add(target);
            }
            tags += store.untag(repository, tag) ? 1 : 0;
        }
        int manifests = 0;
        for (Digest d : store.manifestRevisions(repository)) {
            candidates.add(d);
            manifests += store.unlinkManifest(repository, d) ? 1 : 0;
        }
        int layers = 0;
        for (Digest d : store.layerLinks(repository)) {
            candidates.add(d);
            layers += store.unlinkLayer(repository, d) ? 1 : 0;
        }
        long[] freed = deleteUnlinked(candidates);
        return new Result(repository, tags, manifests, layers, (int) freed[0], freed[1]);
    }

    /** Removes the tag, and the image it points at unless another tag of the repository does too. */
    Result tag(RepositoryName repository, Tag tag) {
        Digest target = store.tagTarget(repository, tag);
        if (target == null) {
            throw new RegistryException(ErrorCode.MANIFEST_UNKNOWN, repository + ":" + tag + " is not in the cache");
        }
        refuseIfPinned(repository, target);
        store.untag(repository, tag);
        Result image = remainsTagged(repository, target) ? empty(repository) : image(repository, target);
        return new Result(
                repository, 1, image.manifests(), image.layerLinks(), image.blobsDeleted(), image.bytesFreed());
    }

    /** Removes the manifest with every tag that points at it. */
    Result manifest(RepositoryName repository, Digest digest) {
        List<Tag> pointing = store.tags(repository).stream()
                .filter(t -> digest.equals(store.tagTarget(repository, t)))
                .toList();
        if (pointing.isEmpty() && !store.manifestLinked(repository, digest)) {
            throw new RegistryException(ErrorCode.MANIFEST_UNKNOWN, repository + "@" + digest + " is not in the cache");
        }
        refuseIfPinned(repository, digest);
        pointing.forEach(t -> store.untag(repository, t));
        Result image = image(repository, digest);
        return new Result(
                repository,
                pointing.size(),
                image.manifests(),
                image.layerLinks(),
                image.blobsDeleted(),
                image.bytesFreed());
    }

    private boolean remainsTagged(RepositoryName repository, Digest digest) {
        return store.tags(repository).stream().anyMatch(t -> digest.equals(store.tagTarget(repository, t)));
    }

    /**
     * Unlinks what of the image {@code root} nothing else in the repository uses: the roots that
     * remain are the tags' targets and the manifests no stored index of the repository lists;
     * what they reach stays. Then deletes the unlinked blobs no other repository links.
     */
    private Result image(RepositoryName repository, Digest root) {
        Map<Digest, ImageContents> contents = new HashMap<>();
        Set<Digest> children = new HashSet<>();
        List<Digest> revisions = store.manifestRevisions(repository);
        for (Digest revision : revisions) {
            ImageContents c = contents.computeIfAbsent(revision, d -> ImageContents.of(store, d));
            c.manifests().stream().filter(m -> !m.equals(revision)).forEach(children::add);
        }
        Set<Digest> live = new HashSet<>();
        for (Tag tag : store.tags(repository)) {
            Digest target = store.tagTarget(repository, tag);
            if (target != null) {
                live.addAll(contents.computeIfAbsent(target, d -> ImageContents.of(store, d))
                        .all());
            }
        }
        for (Digest revision : revisions) {
            if (!revision.equals(root) && !children.contains(revision)) {
                live.addAll(contents.get(revision).all());
            }
        }
        Set<Digest> dead = new HashSet<>(
                contents.computeIfAbsent(root, d -> ImageContents.of(store, d)).all());
        dead.removeAll(live);
        int manifests = 0;
        int layers = 0;
        for (Digest d : dead) {
            manifests += store.unlinkManifest(repository, d) ? 1 : 0;
            layers += store.unlinkLayer(repository, d) ? 1 : 0;
        }
        long[] freed = deleteUnlinked(dead);
        return new Result(repository, 0, manifests, layers, (int) freed[0], freed[1]);
    }

    /** Deletes those of {@code candidates} that no repository links and no pin keeps: {blobs, bytes}. */
    private long[] deleteUnlinked(Set<Digest> candidates) {
        Set<Digest> kept = pins.protectedContent().digests();
        List<RepositoryName> repositories = store.repositories();
        long[] freed = new long[2];
        for (Digest d : candidates) {
            if (kept.contains(d) || linkedAnywhere(repositories, d)) {
                continue;
            }
            long size = store.blobSize(d);
            if (size >= 0 && store.deleteBlob(d)) {
                freed[0]++;
                freed[1] += size;
            }
        }
        return freed;
    }

    private boolean linkedAnywhere(List<RepositoryName> repositories, Digest digest) {
        for (RepositoryName r : repositories) {
            if (store.layerLinked(r, digest) || store.manifestLinked(r, digest)) {
                return true;
            }
        }
        return false;
    }

    private void refuseIfPinned(RepositoryName repository, Digest digest) {
        pins.find(repository, digest).ifPresent(pin -> {
            throw pinned(pin);
        });
    }

    private static RegistryException pinned(Pin pin) {
        return new RegistryException(
                ErrorCode.CONFLICT,
                pin.repository() + "@" + pin.digest() + " is pinned (by " + pin.by() + "): unpin it before purging",
                pin.toJson());
    }

    private static Result empty(RepositoryName repository) {
        return new Result(repository, 0, 0, 0, 0, 0);
    }
}
