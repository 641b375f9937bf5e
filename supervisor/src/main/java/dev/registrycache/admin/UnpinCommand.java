package dev.registrycache.admin;

import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code admin unpin IMAGE}. */
@Command(
        name = "unpin",
        mixinStandardHelpOptions = true,
        description = {
            "Removes the pin of an image.",
            "By tag, the pin of the digest the tag points at; by digest, that digest's.",
            "The cleaner may evict the image again; 404 when it is not pinned."
        })
final class UnpinCommand extends AdminAction {
    @Parameters(paramLabel = "IMAGE", description = "the image, with its registry and a :tag or @digest")
    String image;

    @Override
    AdminRequest request() {
        return AdminRequest.unpin(AdminNames.image(image));
    }

    @Override
    List<String> report(AdminAnswer answer, Instant now) {
        return List.of("unpinned " + PinWords.image(answer.json().path("unpinned")) + " ("
                + PinWords.content(answer.json().path("unpinned")) + ")");
    }
}
