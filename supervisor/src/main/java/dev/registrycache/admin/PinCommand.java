package dev.registrycache.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.registrycache.common.oci.ErrorCode;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code admin pin IMAGE}. A pin keeps what the cache holds of an image; what it does not hold
 * yet ({@code missingBlobs}) only {@code warm} fetches, so the user is told to run it.
 */
@Command(
        name = "pin",
        mixinStandardHelpOptions = true,
        description = {
            "Pins an image: the cleaner does not evict it and purge refuses it.",
            "By tag, the pin is of the digest the tag points at in the cache now.",
            "When the cache does not hold all of the image, says so: run registry-cache warm IMAGE to fetch the "
                    + "rest."
        })
final class PinCommand extends AdminAction {
    @Parameters(paramLabel = "IMAGE", description = "the image, with its registry and a :tag or @digest")
    String image;

    @Override
    AdminRequest request() {
        return AdminRequest.pin(AdminNames.image(image));
    }

    @Override
    List<String> report(AdminAnswer answer, Instant now) {
        JsonNode pin = answer.json();
        return List.of((answer.status() == 201 ? "pinned " : "already pinned ") + PinWords.image(pin) + " ("
                + PinWords.content(pin) + ")");
    }

    @Override
    List<String> notes(AdminAnswer answer) {
        long missing = answer.json().path("missingBlobs").asLong();
        long blobs = answer.json().path("blobs").asLong();
        if (missing <= 0) {
            return List.of();
        }
        return List.of(missing + " of its " + Human.count(blobs, "blob") + (missing == 1 ? " is" : " are")
                + " not in the cache: run registry-cache warm " + image.strip() + " to fetch "
                + (missing == 1 ? "it" : "them"));
    }

    @Override
    List<String> hints(AdminRefusal refusal) {
        return refusal.is(ErrorCode.MANIFEST_UNKNOWN)
                ? List.of(
                        "the cache does not hold it: run registry-cache warm " + image.strip() + " first, then pin it")
                : List.of();
    }
}
