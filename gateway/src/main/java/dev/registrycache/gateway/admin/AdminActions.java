package dev.registrycache.gateway.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.registrycache.common.InvalidValueException;
import dev.registrycache.common.marks.ImageContents;
import dev.registrycache.common.marks.Pin;
import dev.registrycache.common.marks.Pins;
import dev.registrycache.common.marks.Quarantine;
import dev.registrycache.common.marks.Quarantines;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.ErrorCode;
import dev.registrycache.common.oci.RegistryException;
import dev.registrycache.common.store.Datastore;
import java.io.IOException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What each admin route does to the store, once the request is allowed and routed: listings,
 * purges, pins and quarantines. Answers are JSON objects; refusals are thrown as {@link
 * RegistryException}s with the status the API documents.
 */
final class AdminActions {
    /** The longest reason a quarantine keeps. */
    static final int MAX_REASON = 1000;

    private final Datastore store;
    private final Catalog catalog;
    private final Purge purge;
    private final Pins pins;
    private final Quarantines quarantines;
    private final Clock clock;

    AdminActions(Datastore store, List<String> servedRegistries, Clock clock) {
        this.store = store;
        this.pins = new Pins(store);
        this.quarantines = new Quarantines(store);
        this.catalog = new Catalog(store, servedRegistries, pins);
        this.purge = new Purge(store, pins);
        this.clock = clock;
    }

    /** A JSON answer with its status, and a line for the audit trail. */
    record Answer(int status, Map<String, Object> json, String detail) {}

    Answer answer(AdminRoute route, String user, String registryParameter, JsonNode body) throws IOException {
        return switch (route.action()) {
            case LIST -> new Answer(200, list(route, registryParameter), null);
            case PURGE -> purge(route);
            case PIN -> pin(ImageRef.parse(route.target()), user);
            case UNPIN -> unpin(ImageRef.parse(route.target()));
            case QUARANTINE -> quarantine(digest(route.target()), user, body);
            case RELEASE -> release(digest(route.target()));
            case UNKNOWN -> throw new IllegalStateException("an unknown action is refused when routed");
        };
    }

    private Map<String, Object> list(AdminRoute route, String registry) {
        return switch (route.collection()) {
            case REGISTRIES -> catalog.registries();
            case REPOSITORIES ->
                route.target().isEmpty()
                        ? catalog.repositories(registry == null ? null : ImageRef.servedName(registry))
                        : catalog.repository(ImageRef.repository(route.target()));
            case PINS -> Map.of("pins", pins.all().stream().map(this::pinJson).toList());
            case QUARANTINE ->
                Map.of(
                        "quarantine",
                        quarantines.all().stream().map(Quarantine::toJson).toList());
            case IMAGES -> throw new IllegalStateException("images are not listed");
        };
    }

    private Answer purge(AdminRoute route) {
        Purge.Result result;
        if (route.collection() == AdminRoute.Collection.REPOSITORIES) {
            result = purge.repository(ImageRef.repository(route.target()));
        } else {
            ImageRef image = ImageRef.parse(route.target());
            result = image.reference().isDigest()
                    ? purge.manifest(image.repository(), image.reference().digest())
                    : purge.tag(image.repository(), image.reference().tag());
        }
        return new Answer(
                200, result.toJson(), result.blobsDeleted() + " blobs, " + result.bytesFreed() + " bytes freed");
    }

    private Answer pin(ImageRef image, String user) throws IOException {
        Digest digest = cachedManifest(image);
        quarantines.refuseIfQuarantined(digest);
        Pin pin = new Pin(image.repository(), digest, image.reference().toString(), user, clock.instant());
        boolean added = pins.add(pin);
        Pin kept = pins.find(image.repository(), digest).orElse(pin);
        return new Answer(added ? 201 : 200, pinJson(kept), added ? "pinned " + digest : "already pinned");
    }

    private Answer unpin(ImageRef image) {
        Digest digest = image.reference().isDigest()
                ? image.reference().digest()
                : store.tagTarget(image.repository(), image.reference().tag());
        Pin pin =
                digest == null ? null : pins.remove(image.repository(), digest).orElse(null);
        if (pin == null) {
            throw new RegistryException(ErrorCode.MANIFEST_UNKNOWN, image + " is not pinned");
        }
        return new Answer(200, Map.of("unpinned", pin.toJson()), "unpinned " + pin.digest());
    }

    private Answer quarantine(Digest digest, String user, JsonNode body) throws IOException {
        String reason = body == null ? "" : body.path("reason").asText("");
        if (reason.length() > MAX_REASON) {
            throw new RegistryException(
                    ErrorCode.REQUEST_INVALID,
                    "the reason is " + reason.length() + " characters; at most " + MAX_REASON);
        }
        boolean added = quarantines.add(new Quarantine(digest, reason, user, clock.instant()));
        long size = store.blobSize(digest);
        long deleted = size >= 0 && store.deleteBlob(digest) ? size : 0;
        Map<String, Object> json =
                new LinkedHashMap<>(quarantines.find(digest).orElseThrow().toJson());
        json.put("bytesDeleted", deleted);
        return new Answer(
                added ? 201 : 200,
                json,
                (added ? "quarantined " : "already quarantined ") + digest + ", " + deleted + " bytes deleted");
    }

    private Answer release(Digest digest) {
        Quarantine released = quarantines
                .release(digest)
                .orElseThrow(() -> new RegistryException(ErrorCode.BLOB_UNKNOWN, digest + " is not quarantined"));
        return new Answer(200, Map.of("released", released.toJson()), "released " + digest);
    }

    /** The digest of the image's manifest if the cache holds it: pins keep what is there. */
    private Digest cachedManifest(ImageRef image) {
        Digest digest = image.reference().isDigest()
                ? image.reference().digest()
                : store.tagTarget(image.repository(), image.reference().tag());
        boolean linked =
                digest != null && (!image.reference().isDigest() || store.manifestLinked(image.repository(), digest));
        if (!linked || store.blobSize(digest) < 0) {
            throw new RegistryException(
                    ErrorCode.MANIFEST_UNKNOWN,
                    image + " is not in the cache: pull it (or run registry-cache warm " + image + ") first");
        }
        return digest;
    }

    private Map<String, Object> pinJson(Pin pin) {
        ImageContents contents = ImageContents.of(store, pin.digest());
        Map<String, Object> json = new LinkedHashMap<>(pin.toJson());
        json.put("blobs", contents.all().size());
        json.put("bytes", contents.storedBytes());
        json.put("missingBlobs", contents.missing());
        return json;
    }

    private static Digest digest(String text) {
        try {
            return Digest.parse(text);
        } catch (InvalidValueException e) {
            throw new RegistryException(ErrorCode.DIGEST_INVALID, "'" + text + "' is not a digest: " + e.getMessage());
        }
    }
}
