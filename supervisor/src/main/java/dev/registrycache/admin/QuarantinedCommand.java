package dev.registrycache.admin;

import picocli.CommandLine.Command;

/** {@code admin quarantined}: the list, as {@code pins} is the list of pins. */
@Command(
        name = "quarantined",
        mixinStandardHelpOptions = true,
        description = {"Lists the quarantined digests: since when, who quarantined each and why."})
final class QuarantinedCommand extends ListingAction {
    QuarantinedCommand() {
        super(AdminRequest.quarantined(), Listing.QUARANTINE);
    }
}
