package dev.registrycache.admin;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;

/**
 * What the admin API answered to a request it did: its status ({@code 201} for a new pin, {@code
 * 200} for one that was there), its JSON as it came (for {@code --json}) and read.
 */
record AdminAnswer(int status, byte[] body, JsonNode json) {
    String text() {
        return new String(body, StandardCharsets.UTF_8);
    }
}
