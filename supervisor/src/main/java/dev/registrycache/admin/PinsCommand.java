package dev.registrycache.admin;

import picocli.CommandLine.Command;

/** {@code admin pins}. */
@Command(
        name = "pins",
        mixinStandardHelpOptions = true,
        description = {
            "Lists the pinned images.",
            "For each: the digest the pin keeps, its SIZE and BLOBS, how many of those the cache does not hold "
                    + "(MISSING: run registry-cache warm for them), who pinned it and when."
        })
final class PinsCommand extends ListingAction {
    PinsCommand() {
        super(AdminRequest.pins(), Listing.PINS);
    }
}
