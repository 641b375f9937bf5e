package dev.registrycache.admin;

import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code admin release DIGEST}. */
@Command(
        name = "release",
        mixinStandardHelpOptions = true,
        description = {"Releases a quarantined digest: clients can pull it again.", "404 when it is not quarantined."})
final class ReleaseCommand extends AdminAction {
    @Parameters(paramLabel = "DIGEST", description = "sha256:<64 hex digits>")
    String digest;

    @Override
    AdminRequest request() {
        return AdminRequest.release(AdminNames.digest(digest));
    }

    @Override
    List<String> report(AdminAnswer answer, Instant now) {
        return List.of("released " + AdminNames.digest(digest));
    }
}
