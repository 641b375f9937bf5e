package dev.registrycache.common.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.InvalidValueException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ValueTypesTest {
    @Test
    void digestOfBytesIsSha256Hex() {
        Digest d = Digest.sha256Of("hello".getBytes(StandardCharsets.UTF_8));
        assertEquals("sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", d.toString());
        assertEquals(d, Digest.parse(d.toString()));
        assertTrue(d.matches(d.newHasher().digest("hello".getBytes(StandardCharsets.UTF_8))));
        assertFalse(d.matches(d.newHasher().digest("hellO".getBytes(StandardCharsets.UTF_8))));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "sha256",
                "sha256:",
                "sha256:abc",
                "md5:2cf24dba5fb0a30e26e83b2ac5b9e29e",
                "sha256:2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824",
                "sha256:../../../../etc/passwd0000000000000000000000000000000000000000000",
                "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b982/",
                ":2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
            })
    void refusesInvalidDigests(String text) {
        assertThrows(InvalidValueException.class, () -> Digest.parse(text));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "a",
                "quay.io/podman/hello",
                "docker.io/library/alpine",
                "a/b-c/d__e/f.g",
                "registry.local_5000/team/app",
                "x---y"
            })
    void acceptsOciNames(String name) {
        assertEquals(name, RepositoryName.parse(name).toString());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "/a",
                "a/",
                "a//b",
                "A/b",
                "a/../b",
                "..",
                "a/./b",
                ".a",
                "a.",
                "a:5000/b",
                "a b",
                "a/%2e%2e/b",
                "a_",
                "-a",
                "a/b\u0000"
            })
    void refusesNamesOutsideTheGrammar(String name) {
        assertThrows(InvalidValueException.class, () -> RepositoryName.parse(name));
    }

    @Test
    void refusesOverLongNames() {
        String longName = "a/".repeat(128) + "a";
        assertThrows(InvalidValueException.class, () -> RepositoryName.parse(longName));
    }

    @Test
    void namesSplitIntoRegistryPrefixAndRepository() {
        RepositoryName n = RepositoryName.parse("quay.io/podman/hello");
        assertEquals("quay.io", n.firstComponent());
        assertEquals("podman/hello", n.withoutFirstComponent().toString());
        assertEquals(null, RepositoryName.parse("quay.io").withoutFirstComponent());
    }

    @ParameterizedTest
    @ValueSource(strings = {"latest", "v1.2.3", "_x", "A-b_c.d", "1"})
    void acceptsTags(String tag) {
        assertEquals(tag, Reference.parse(tag).tag().toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".x", "-x", "a/b", "..", "a:b"})
    void refusesBadReferences(String ref) {
        assertThrows(InvalidValueException.class, () -> Reference.parse(ref));
    }

    @Test
    void refusesTagsLongerThan128() {
        assertThrows(InvalidValueException.class, () -> Tag.parse("a".repeat(129)));
        assertEquals(128, Tag.parse("a".repeat(128)).toString().length());
    }

    @ParameterizedTest
    @CsvSource({
        "quay.io,quay.io,quay.io",
        "https://index.docker.io/v1/,docker.io,docker.io",
        "index.docker.io,docker.io,docker.io",
        "registry-1.docker.io,docker.io,docker.io",
        "Registry.Local:5000,registry.local:5000,registry.local_5000",
        "https://registry.redhat.io,registry.redhat.io,registry.redhat.io"
    })
    void normalisesPullSecretKeys(String key, String name, String prefix) {
        RegistryHost h = RegistryHost.fromKey(key);
        assertEquals(name, h.name());
        assertEquals(prefix, h.prefix());
        assertEquals(h.prefix(), RepositoryName.parse(h.prefix()).toString(), "a valid name component");
    }

    @Test
    void dockerHubsApiLivesOnRegistry1() {
        assertEquals(
                "https://registry-1.docker.io",
                RegistryHost.fromKey("docker.io").defaultEndpoint().toString());
        assertEquals(
                "https://quay.io",
                RegistryHost.fromKey("quay.io").defaultEndpoint().toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "bad host", "a:99999", "-a.com", "a_b.com"})
    void refusesKeysThatAreNoHost(String key) {
        assertThrows(InvalidValueException.class, () -> RegistryHost.fromKey(key));
    }
}
