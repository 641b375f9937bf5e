package dev.registrycache.admin;

import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code admin list [REGISTRY|REPOSITORY]}: what the cache holds, one level at a time. */
@Command(
        name = "list",
        mixinStandardHelpOptions = true,
        description = {
            "Lists the registries the cache serves, a registry's repositories or a repository's tags.",
            "Without an argument the registries; with a registry (quay.io, no '/') its repositories; with a "
                    + "repository (quay.io/podman/hello) its tags, each with its digest, SIZE (the whole image, as its manifest declares it), STORED (what the cache "
                    + "holds of it), LAST USE (when a client last pulled it) and whether it is pinned."
        })
final class ListCommand extends AdminAction {
    @Parameters(
            arity = "0..1",
            paramLabel = "REGISTRY|REPOSITORY",
            description = "a registry (no '/': quay.io) or a repository with its registry (quay.io/podman/hello)")
    String target;

    private boolean registries() {
        return target == null;
    }

    private boolean repositories() {
        return target != null && target.indexOf('/') < 0;
    }

    @Override
    AdminRequest request() {
        if (registries()) {
            return AdminRequest.registries();
        }
        return repositories()
                ? AdminRequest.repositories(AdminNames.registry(target))
                : AdminRequest.repository(AdminNames.repository(target));
    }

    @Override
    List<String> report(AdminAnswer answer, Instant now) {
        Listing listing = registries() ? Listing.REGISTRIES : repositories() ? Listing.REPOSITORIES : Listing.TAGS;
        return listing.lines(answer, now);
    }
}
