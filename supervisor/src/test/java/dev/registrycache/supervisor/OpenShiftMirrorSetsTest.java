package dev.registrycache.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.supervisor.OpenShiftMirrorSets.MirrorSet;
import dev.registrycache.testsupport.ReadmeBlocks;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The README's OpenShift blocks, as written, are valid objects of OpenShift's CRDs and point at
 * the cache as it names images ({@link OpenShiftMirrorSets}), checked without a cluster; and each
 * check refuses a block broken the way it should catch.
 */
class OpenShiftMirrorSetsTest {
    private static final Map<String, String> README_BLOCKS = Map.of(
            "openshift-idms", "ImageDigestMirrorSet",
            "openshift-itms", "ImageTagMirrorSet",
            "openshift-icsp", "ImageContentSourcePolicy");

    /** A valid set that uses every form the checks know: a registry, a namespace, a port, a policy. */
    private static final String IDMS = """
            apiVersion: config.openshift.io/v1
            kind: ImageDigestMirrorSet
            metadata:
              name: registry-cache
            spec:
              imageDigestMirrors:
              - source: quay.io
                mirrors: [cache.example.com:8443/quay.io]
              - source: registry.redhat.io
                mirrors: [cache.example.com:8443/registry.redhat.io]
                mirrorSourcePolicy: AllowContactingSource
              - source: quay.io/openshift-release-dev
                mirrors: [cache.example.com:8443/quay.io/openshift-release-dev]
              - source: registry.local:5000
                mirrors: [cache.example.com:8443/registry.local_5000]
            """;

    private static final String ITMS =
            IDMS.replace("ImageDigestMirrorSet", "ImageTagMirrorSet").replace("imageDigestMirrors", "imageTagMirrors");
    private static final String ICSP = IDMS.replace("config.openshift.io/v1", "operator.openshift.io/v1alpha1")
            .replace("ImageDigestMirrorSet", "ImageContentSourcePolicy")
            .replace("imageDigestMirrors", "repositoryDigestMirrors")
            .replace("    mirrorSourcePolicy: AllowContactingSource\n", "");

    @Test
    void eachOpenShiftBlockOfTheReadmeIsAValidObjectOfItsCrd() throws Exception {
        ReadmeBlocks readme = ReadmeBlocks.load();
        for (var block : README_BLOCKS.entrySet()) {
            List<MirrorSet> sets = OpenShiftMirrorSets.read(readme.block(block.getKey()), "README " + block.getKey());
            assertEquals(1, sets.size(), block.getKey());
            assertEquals(block.getValue(), sets.get(0).kind(), block.getKey());
        }
    }

    @Test
    void theReadmesThreeBlocksSendTheSameSourcesToTheSameMirrors() throws Exception {
        ReadmeBlocks readme = ReadmeBlocks.load();
        Map<String, List<String>> idms = OpenShiftMirrorSets.read(readme.block("openshift-idms"), "idms")
                .get(0)
                .mirrors();
        assertFalse(idms.isEmpty());
        for (String other : List.of("openshift-itms", "openshift-icsp")) {
            assertEquals(
                    idms,
                    OpenShiftMirrorSets.read(readme.block(other), other).get(0).mirrors(),
                    other);
        }
    }

    @Test
    void aSetOfEachKindWithRegistriesNamespacesAndPortsIsValid() throws Exception {
        for (String yaml : List.of(IDMS, ITMS, ICSP)) {
            MirrorSet set = OpenShiftMirrorSets.read(yaml, "sample").get(0);
            assertEquals(4, set.mirrors().size(), set.kind());
            assertEquals(
                    List.of("cache.example.com:8443/registry.local_5000"),
                    set.mirrors().get("registry.local:5000"),
                    set.kind());
        }
    }

    /** A valid set, one change that breaks it, and what the check must then say. */
    record Breakage(String what, String valid, String from, String to, String says) {
        @Override
        public String toString() {
            return what;
        }
    }

    static Stream<Breakage> breakages() {
        return Stream.of(
                // the cache's path scheme (CacheMirrorRules)
                new Breakage(
                        "a mirror without the registry prefix",
                        IDMS,
                        "[cache.example.com:8443/quay.io]",
                        "[cache.example.com:8443]",
                        "the mirror of quay.io must be cache.example.com:8443/quay.io"),
                new Breakage(
                        "a mirror with another registry's prefix",
                        IDMS,
                        "[cache.example.com:8443/registry.redhat.io]",
                        "[cache.example.com:8443/quay.io]",
                        "must be cache.example.com:8443/registry.redhat.io"),
                new Breakage(
                        "a mirror without the source's namespace",
                        IDMS,
                        "8443/quay.io/openshift-release-dev]",
                        "8443/openshift-release-dev]",
                        "must be cache.example.com:8443/quay.io/openshift-release-dev"),
                new Breakage(
                        "a mirror with the port's ':' where the cache's prefix has '_'",
                        IDMS,
                        "registry.local_5000]",
                        "registry.local:5000]",
                        "must be cache.example.com:8443/registry.local_5000"),
                new Breakage(
                        "a wildcard source",
                        IDMS,
                        "source: registry.redhat.io\n    mirrors: [cache.example.com:8443/registry.redhat.io]",
                        "source: \"*.redhat.io\"\n    mirrors: [cache.example.com:8443/redhat.io]",
                        "source *.redhat.io is a wildcard"),
                new Breakage(
                        "a registry named otherwise than the cache names it",
                        IDMS,
                        "source: quay.io\n    mirrors: [cache.example.com:8443/quay.io]",
                        "source: index.docker.io\n    mirrors: [cache.example.com:8443/docker.io]",
                        "source index.docker.io must name its registry as docker.io"),
                new Breakage(
                        "a source without a mirror",
                        IDMS,
                        "\n    mirrors: [cache.example.com:8443/quay.io]",
                        "",
                        "source quay.io has no mirror"),
                new Breakage(
                        "mirrors on two caches",
                        IDMS,
                        "[cache.example.com:8443/registry.redhat.io]",
                        "[mirror.example.com:8443/registry.redhat.io]",
                        "more than one cache"),
                new Breakage(
                        "a mirror without the prefix where the CRD has no pattern (ICSP)",
                        ICSP,
                        "[cache.example.com:8443/quay.io]",
                        "[cache.example.com:8443]",
                        "the mirror of quay.io must be cache.example.com:8443/quay.io"),
                // the CRD's schema (CustomResourceSchema)
                new Breakage(
                        "a wrong apiVersion",
                        IDMS,
                        "config.openshift.io/v1\n",
                        "config.openshift.io/v1beta1\n",
                        "config.openshift.io/v1beta1/ImageDigestMirrorSet is none of the CRDs'"),
                new Breakage(
                        "the list of another kind",
                        IDMS,
                        "kind: ImageDigestMirrorSet",
                        "kind: ImageTagMirrorSet",
                        "field the schema does not have: imageDigestMirrors"),
                new Breakage(
                        "an entry without a source",
                        IDMS,
                        "- source: quay.io\n    mirrors",
                        "- mirrors",
                        "imageDigestMirrors[0]: source is required"),
                new Breakage(
                        "no spec",
                        IDMS,
                        "spec:\n  imageDigestMirrors:",
                        "specs:\n  imageDigestMirrors:",
                        "spec is required"),
                new Breakage(
                        "a source that is a URL",
                        IDMS,
                        "source: quay.io\n",
                        "source: https://quay.io\n",
                        "'https://quay.io' does not match the pattern"),
                new Breakage(
                        "a mirror with capitals in its path",
                        IDMS,
                        "8443/quay.io]",
                        "8443/Quay.io]",
                        "'cache.example.com:8443/Quay.io' does not match the pattern"),
                new Breakage(
                        "a policy the enumeration does not have",
                        IDMS,
                        "AllowContactingSource",
                        "AllowContactSource",
                        "\"AllowContactSource\" is not one of"),
                new Breakage(
                        "a mirror twice in a list that is a set",
                        IDMS,
                        "[cache.example.com:8443/quay.io]",
                        "[cache.example.com:8443/quay.io, cache.example.com:8443/quay.io]",
                        "is there twice"),
                new Breakage(
                        "mirrors as a string",
                        IDMS,
                        "mirrors: [cache.example.com:8443/quay.io]",
                        "mirrors: cache.example.com:8443/quay.io",
                        "mirrors: must be of type array, is string"),
                new Breakage(
                        "a field the schema does not have",
                        IDMS,
                        "mirrorSourcePolicy:",
                        "sourcePolicy:",
                        "field the schema does not have: sourcePolicy"),
                new Breakage(
                        "a field of IDMS in an ICSP",
                        ICSP,
                        "mirrors: [cache.example.com:8443/registry.redhat.io]\n",
                        "mirrors: [cache.example.com:8443/registry.redhat.io]\n    mirrorSourcePolicy: NeverContactSource\n",
                        "field the schema does not have: mirrorSourcePolicy"),
                // the metadata (KubernetesManifests.checkMetadata)
                new Breakage(
                        "a name that is no DNS subdomain",
                        IDMS,
                        "name: registry-cache",
                        "name: Registry_Cache",
                        "'Registry_Cache' is not a DNS-1123 subdomain"),
                new Breakage(
                        "a metadata field Kubernetes does not have",
                        IDMS,
                        "  name: registry-cache\n",
                        "  name: registry-cache\n  labelz: {app: cache}\n",
                        "labelz"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("breakages")
    void refusesABrokenSet(Breakage breakage) {
        String valid = breakage.valid();
        assertEquals(
                1,
                (valid.length() - valid.replace(breakage.from(), "").length())
                        / breakage.from().length(),
                "the change must apply to exactly one place of the valid set: " + breakage.from());
        String broken = valid.replace(breakage.from(), breakage.to());
        String says = assertThrows(AssertionError.class, () -> OpenShiftMirrorSets.read(broken, "broken"))
                .getMessage();
        assertTrue(says.contains(breakage.says()), says);
    }
}
