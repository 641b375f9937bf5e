package dev.registrycache.warm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.InvalidValueException;
import dev.registrycache.common.settings.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Images as users write them, normalised as Docker does, from arguments and from a file. */
class ImageNamesTest {
    private static final String DIGEST = "sha256:" + "ab".repeat(32);

    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({
        "alpine, docker.io/library/alpine:latest, docker.io/library/alpine, latest",
        "alpine:3.19, docker.io/library/alpine:3.19, docker.io/library/alpine, 3.19",
        "library/alpine, docker.io/library/alpine:latest, docker.io/library/alpine, latest",
        "docker.io/alpine, docker.io/library/alpine:latest, docker.io/library/alpine, latest",
        "index.docker.io/library/alpine:3, docker.io/library/alpine:3, docker.io/library/alpine, 3",
        "bitnami/redis:7, docker.io/bitnami/redis:7, docker.io/bitnami/redis, 7",
        "quay.io/podman/hello:latest, quay.io/podman/hello:latest, quay.io/podman/hello, latest",
        "quay.io/podman/hello, quay.io/podman/hello:latest, quay.io/podman/hello, latest",
        "registry.local:5000/team/app:1.0, registry.local:5000/team/app:1.0, registry.local_5000/team/app, 1.0",
        "localhost/app, localhost/app:latest, localhost/app, latest",
        "localhost:5000, docker.io/library/localhost:5000, docker.io/library/localhost, 5000",
    })
    void namesAnImageAsDockerDoes(String written, String whole, String cacheRepository, String reference) {
        ImageName image = ImageName.parse(written);
        assertEquals(whole, image.toString());
        assertEquals(cacheRepository, image.cacheRepository());
        assertEquals(reference, image.reference().toString());
    }

    @Test
    void aDigestIsWhatIsFetchedWithOrWithoutATag() {
        ImageName byDigest = ImageName.parse("quay.io/podman/hello@" + DIGEST);
        assertEquals("quay.io/podman/hello@" + DIGEST, byDigest.toString());
        assertEquals(DIGEST, byDigest.reference().toString());
        ImageName both = ImageName.parse("alpine:3.19@" + DIGEST);
        assertEquals("docker.io/library/alpine:3.19@" + DIGEST, both.toString());
        assertEquals(DIGEST, both.reference().toString());
        assertEquals(ImageName.parse("alpine"), ImageName.parse("docker.io/library/alpine:latest"));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "Alpine",
                "alpine:",
                "alpine:bad/tag",
                "alpine@sha256:abc",
                "alpine@md5:" + "ab",
                "quay.io/",
                "quay.io//x",
                "a b",
                "-x/y"
            })
    void refusesWhatIsNoImageName(String written) {
        assertThrows(InvalidValueException.class, () -> ImageName.parse(written));
    }

    @Test
    void readsArgumentsThenTheFileOnceEachSkippingBlanksAndComments() throws Exception {
        Path file = Files.writeString(
                dir.resolve("release.txt"),
                "# release 42\n\nquay.io/podman/hello:latest\n  alpine:3.19   # the base\n\t\nalpine:3.19\n");
        List<ImageName> images = ImageList.read(List.of("alpine:3.19", "registry.local:5000/team/app"), file);
        assertEquals(
                List.of(
                        "docker.io/library/alpine:3.19",
                        "registry.local:5000/team/app:latest",
                        "quay.io/podman/hello:latest"),
                images.stream().map(ImageName::toString).toList());
    }

    @Test
    void aWrongNameStopsTheCommandNamingItsLine() throws Exception {
        Path file = Files.writeString(dir.resolve("release.txt"), "alpine\n# fine\nUpper/Case:1\n");
        ConfigException inFile = assertThrows(ConfigException.class, () -> ImageList.read(List.of(), file));
        assertTrue(inFile.getMessage().startsWith(file + " line 3: not an image name"), inFile.getMessage());
        ConfigException inArgs = assertThrows(ConfigException.class, () -> ImageList.read(List.of("x:y:z"), null));
        assertTrue(inArgs.getMessage().startsWith("argument 'x:y:z': not an image name"), inArgs.getMessage());
    }

    @Test
    void noImageOrNoFileStopsTheCommand() {
        ConfigException none = assertThrows(ConfigException.class, () -> ImageList.read(List.of(), null));
        assertTrue(none.getMessage().contains("no image to warm"), none.getMessage());
        Path missing = dir.resolve("missing.txt");
        ConfigException noFile = assertThrows(ConfigException.class, () -> ImageList.read(List.of(), missing));
        assertEquals("--file " + missing + ": no such file", noFile.getMessage());
    }
}
