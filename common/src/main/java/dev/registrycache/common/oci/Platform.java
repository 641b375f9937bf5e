package dev.registrycache.common.oci;

import dev.registrycache.common.InvalidValueException;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * An image's platform as an index entry names it and as users write it: {@code linux/amd64},
 * {@code linux/arm64/v8}. Architectures are Go's names ({@code amd64}, {@code arm64}), which
 * {@link #host()} maps the JVM's {@code os.arch} to, so that a choice among an index's images is
 * the one {@code docker pull} and {@code podman pull} make on the same machine.
 *
 * @param variant null when none is named
 */
public record Platform(String os, String architecture, String variant) {
    private static final Pattern PART = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    /** The JVM's {@code os.arch} values that Go, and so image indexes, name otherwise. */
    private static final Map<String, String> GO_ARCHITECTURES = Map.ofEntries(
            Map.entry("x86_64", "amd64"),
            Map.entry("aarch64", "arm64"),
            Map.entry("x86", "386"),
            Map.entry("i386", "386"),
            Map.entry("i486", "386"),
            Map.entry("i586", "386"),
            Map.entry("i686", "386"),
            Map.entry("loongarch64", "loong64"));

    /** Parses {@code os/architecture[/variant]}; throws {@link InvalidValueException} for anything else. */
    public static Platform parse(String text) {
        String[] parts = text == null ? new String[0] : text.split("/", -1);
        if (parts.length < 2 || parts.length > 3) {
            throw new InvalidValueException("not os/architecture[/variant]: '" + text + "'");
        }
        for (String part : parts) {
            if (!PART.matcher(part).matches()) {
                throw new InvalidValueException("not os/architecture[/variant]: '" + text + "'");
            }
        }
        return new Platform(parts[0], parts[1], parts.length == 3 ? parts[2] : null);
    }

    /** The platform of this JVM's machine, in Go's names: {@code linux/amd64} on an x86_64 Linux host. */
    public static Platform host() {
        return new Platform(
                System.getProperty("os.name", "linux").toLowerCase(Locale.ROOT).startsWith("windows")
                        ? "windows"
                        : "linux",
                goArchitecture(System.getProperty("os.arch", "amd64")),
                null);
    }

    /** Go's name of the JVM's {@code os.arch} value: {@code amd64} for {@code x86_64}. */
    static String goArchitecture(String javaArch) {
        String arch = javaArch.toLowerCase(Locale.ROOT);
        return GO_ARCHITECTURES.getOrDefault(arch, arch);
    }

    /**
     * Whether an index entry of {@code candidate} is an image for this platform: the same os and
     * architecture, and the same variant unless this one names none. On arm64 no variant means
     * {@code v8}, as Docker's matcher has it.
     */
    public boolean admits(Platform candidate) {
        if (!os.equals(candidate.os) || !architecture.equals(candidate.architecture)) {
            return false;
        }
        return variant == null || variant.equals(defaultedVariant(candidate));
    }

    private String defaultedVariant(Platform candidate) {
        return candidate.variant == null && architecture.equals("arm64") ? "v8" : candidate.variant;
    }

    @Override
    public String toString() {
        return os + "/" + architecture + (variant == null ? "" : "/" + variant);
    }
}
