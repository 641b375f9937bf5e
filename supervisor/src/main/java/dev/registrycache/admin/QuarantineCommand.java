package dev.registrycache.admin;

import dev.registrycache.common.oci.Digest;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code admin quarantine DIGEST [--reason TEXT]}. */
@Command(
        name = "quarantine",
        mixinStandardHelpOptions = true,
        description = {
            "Quarantines a digest: the cache deletes it and refuses every pull of it.",
            "The digest is a manifest's or a blob's; a pull of it, by digest or by a tag that points at it, gets "
                    + "403 DENIED with the reason.",
            "Release it with registry-cache admin release DIGEST."
        })
final class QuarantineCommand extends AdminAction {
    @Parameters(paramLabel = "DIGEST", description = "sha256:<64 hex digits>")
    String digest;

    @Option(names = "--reason", paramLabel = "TEXT", description = "why, which pulling clients are told")
    String reason;

    @Override
    AdminRequest request() {
        return AdminRequest.quarantine(AdminNames.digest(digest), reason);
    }

    @Override
    List<String> report(AdminAnswer answer, Instant now) {
        Digest quarantined = AdminNames.digest(digest);
        return List.of(
                (answer.status() == 201 ? "quarantined " + quarantined : quarantined + " was quarantined already")
                        + ": " + Human.size(answer.json().path("bytesDeleted")) + " deleted from the cache");
    }
}
