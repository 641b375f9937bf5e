package dev.registrycache.testsupport;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * An os/architecture/variant triple, as in an image config and an index descriptor's
 * {@code platform}; what {@code podman pull --arch} selects by.
 */
public record Platform(String os, String architecture, String variant) {

    public static final Platform LINUX_AMD64 = new Platform("linux", "amd64", null);
    public static final Platform LINUX_ARM64 = new Platform("linux", "arm64", "v8");

    public Platform {
        Objects.requireNonNull(os, "os");
        Objects.requireNonNull(architecture, "architecture");
        if (variant != null && variant.isEmpty()) {
            variant = null;
        }
    }

    /** Parses {@code os/arch} or {@code os/arch/variant}. */
    public static Platform parse(String text) {
        String[] parts = text.split("/", -1);
        if (parts.length < 2 || parts.length > 3) {
            throw new IllegalArgumentException("not os/arch[/variant]: " + text);
        }
        return new Platform(parts[0], parts[1], parts.length == 3 ? parts[2] : null);
    }

    /** The {@code platform} object of an index descriptor. */
    Map<String, Object> descriptorJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("architecture", architecture);
        json.put("os", os);
        if (variant != null) {
            json.put("variant", variant);
        }
        return json;
    }

    @Override
    public String toString() {
        return os + "/" + architecture + (variant == null ? "" : "/" + variant);
    }
}
