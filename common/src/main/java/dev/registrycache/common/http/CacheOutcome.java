package dev.registrycache.common.http;

/** How a request was answered, for the access log and for metrics. */
public enum CacheOutcome {
    /** From the store, the upstream not needed or agreeing. */
    HIT,
    /** Fetched from the upstream (and stored). */
    MISS,
    /** From the store because the upstream failed: what keeps pulls working during an outage. */
    STALE,
    /** Passed to the upstream without storing (a HEAD of a missing blob, a tag list). */
    PASS,
    /** Neither store nor upstream involved. */
    NONE;

    public String logName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
