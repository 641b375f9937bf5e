package dev.registrycache.admin;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;

/**
 * How a list in an answer of the admin API reads as a {@link Table}: which array of the answer
 * it is, the columns, and the cells of one element. One constant per list the API gives.
 */
record Listing(String array, List<String> header, Cells cells) {
    /** The cells of one element of the array, as many as the header has columns. */
    interface Cells {
        String[] of(JsonNode element, Instant now);
    }

    static final Listing REGISTRIES = new Listing("registries", List.of("REGISTRY", "REPOSITORIES", "SIZE"), (r, now) ->
            new String[] {Human.text(r.path("name")), Human.text(r.path("repositories")), Human.size(r.path("bytes"))});

    static final Listing REPOSITORIES = new Listing("repositories", List.of("REPOSITORY", "TAGS", "SIZE"), (r, now) ->
            new String[] {Human.text(r.path("name")), Human.text(r.path("tags")), Human.size(r.path("bytes"))});

    static final Listing TAGS = new Listing(
            "tags", List.of("TAG", "DIGEST", "SIZE", "STORED", "LAST USE", "PINNED"), (tag, now) -> new String[] {
                Human.text(tag.path("tag")),
                Human.text(tag.path("digest")),
                Human.size(tag.path("size")),
                Human.size(tag.path("storedBytes")),
                Human.age(tag.path("lastUse"), now),
                tag.path("pinned").asBoolean() ? "yes" : "no"
            });

    static final Listing PINS = new Listing(
            "pins", List.of("IMAGE", "DIGEST", "SIZE", "BLOBS", "MISSING", "BY", "SINCE"), (pin, now) -> new String[] {
                PinWords.image(pin),
                Human.text(pin.path("digest")),
                Human.size(pin.path("bytes")),
                Human.text(pin.path("blobs")),
                Human.text(pin.path("missingBlobs")),
                Human.text(pin.path("by")),
                Human.age(pin.path("at"), now)
            });

    static final Listing QUARANTINE =
            new Listing("quarantine", List.of("DIGEST", "SINCE", "BY", "REASON"), (entry, now) -> new String[] {
                Human.text(entry.path("digest")),
                Human.age(entry.path("at"), now),
                Human.text(entry.path("by")),
                Human.text(entry.path("reason"))
            });

    /** The table of {@code answer}'s list, times counted back from {@code now}. */
    List<String> lines(AdminAnswer answer, Instant now) {
        Table table = new Table(header.toArray(String[]::new));
        for (JsonNode element : answer.json().path(array)) {
            table.row(cells.of(element, now));
        }
        return table.lines();
    }
}
