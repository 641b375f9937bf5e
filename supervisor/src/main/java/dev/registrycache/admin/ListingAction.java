package dev.registrycache.admin;

import java.time.Instant;
import java.util.List;

/** A subcommand without arguments that shows one list of the admin API as a table ({@code pins}, {@code quarantined}). */
abstract class ListingAction extends AdminAction {
    private final AdminRequest request;
    private final Listing listing;

    ListingAction(AdminRequest request, Listing listing) {
        this.request = request;
        this.listing = listing;
    }

    @Override
    final AdminRequest request() {
        return request;
    }

    @Override
    final List<String> report(AdminAnswer answer, Instant now) {
        return listing.lines(answer, now);
    }
}
