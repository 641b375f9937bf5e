package dev.registrycache.common.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ManifestSummaryTest {
    private static final Digest A = Digest.sha256Of(new byte[] {1});
    private static final Digest B = Digest.sha256Of(new byte[] {2});
    private static final Digest C = Digest.sha256Of(new byte[] {3});

    private static byte[] json(String text) {
        return text.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
    }

    private static String layers(int count) {
        return "'layers':[" + ("{'digest':'" + B + "'},").repeat(count - 1) + "{'digest':'" + B + "'}]";
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "{'mediaType':'application/vnd.oci.image.manifest.v1+json','config':{}}|application/vnd.oci.image.manifest.v1+json",
                "{'schemaVersion':2,'mediaType':'application/vnd.docker.distribution.manifest.list.v2+json','manifests':[]}"
                        + "|application/vnd.docker.distribution.manifest.list.v2+json",
                "{'schemaVersion':2,'manifests':[]}|application/vnd.oci.image.index.v1+json",
                "{'schemaVersion':2,'config':{},'layers':[]}|application/vnd.oci.image.manifest.v1+json",
                "{'schemaVersion':1,'fsLayers':[],'signatures':[{'header':{}}]}|application/vnd.docker.distribution.manifest.v1+prettyjws",
                "{'schemaVersion':1,'fsLayers':[]}|application/vnd.docker.distribution.manifest.v1+json",
                "{'schemaVersion':'1','name':'x'}|application/vnd.docker.distribution.manifest.v1+json",
                "{'mediaType':{'odd':['x']},'schemaVersion':[2],'signatures':{},'config':{}}|application/vnd.oci.image.manifest.v1+json",
            })
    void detectsTheMediaTypeAsDistributionDoes(String manifest, String mediaType) {
        assertEquals(mediaType, ManifestSummary.mediaTypeOf(json(manifest)));
        assertEquals(mediaType, ManifestSummary.read(json(manifest)).mediaType());
    }

    @ParameterizedTest
    @ValueSource(strings = {"not json", "[1,2]", "'text'", "{'schemaVersion':2}", "{'config':{}", ""})
    void hasNoMediaTypeForWhatIsNotAManifest(String bytes) {
        assertNull(ManifestSummary.mediaTypeOf(json(bytes)));
        assertEquals(List.of(), ManifestSummary.read(json(bytes)).blobs());
    }

    @Test
    void listsTheReferencesOfImagesIndexesAndSchema1() {
        ManifestSummary image = ManifestSummary.read(json("{'schemaVersion':2,'config':{'mediaType':'c','digest':'" + A
                + "','size':1},'layers':[{'digest':'" + B + "','annotations':{'a':'b'}},{'digest':'sha256:bad'},"
                + "{'urls':['x']},7,{'digest':'" + C + "'}],'subject':{'digest':'" + C + "'}}"));
        assertEquals(List.of(A, B, C), image.blobs());
        assertEquals(List.of(), image.manifests());
        ManifestSummary index = ManifestSummary.read(
                json("{'manifests':[{'digest':'" + A + "','platform':{'os':'linux'}}," + "{'digest':'" + B + "'}]}"));
        assertEquals(List.of(A, B), index.manifests());
        ManifestSummary schema1 =
                ManifestSummary.read(json("{'schemaVersion':1,'fsLayers':[{'blobSum':'" + C + "'}]}"));
        assertEquals(List.of(C), schema1.blobs());
    }

    @Test
    void sumsTheSizesItsDescriptorsDeclareAndBelievesNoSizeBeyondALong() {
        ManifestSummary image = ManifestSummary.read(json("{'config':{'digest':'" + A + "','size':10},'layers':["
                + "{'digest':'" + B + "','size':200},{'digest':'" + C + "','size':-5},{'digest':'" + C
                + "','size':'7'}],'subject':{'digest':'" + C + "','size':9000}}"));
        assertEquals(210, image.referencedBytes());
        ManifestSummary index = ManifestSummary.read(
                json("{'manifests':[{'digest':'" + A + "','size':300},{'digest':'" + B + "','size':400}]}"));
        assertEquals(700, index.referencedBytes());
        ManifestSummary huge = ManifestSummary.read(json("{'layers':[{'digest':'" + A + "','size':" + Long.MAX_VALUE
                + "},{'digest':'" + B + "','size':" + Long.MAX_VALUE + "},{'digest':'" + C
                + "','size':123456789012345678901234567890}]}"));
        assertEquals(Long.MAX_VALUE, huge.referencedBytes());
    }

    @Test
    void findsTheEntryOfAPlatformInAnIndex() {
        ManifestSummary index = ManifestSummary.read(json("{'manifests':["
                + "{'digest':'" + A + "','platform':{'os':'linux','architecture':'amd64','os.features':['x']}},"
                + "{'digest':'" + B + "','platform':{'architecture':'arm64','os':'linux','variant':'v8'}},"
                + "{'digest':'" + C + "','platform':{'architecture':'arm','os':'linux','variant':'v7'}},"
                + "{'digest':'" + C + "'},{'digest':'sha256:bad','platform':{'os':'linux','architecture':'s390x'}}]}"));
        assertEquals(
                List.of(
                        new ManifestSummary.Entry(A, new Platform("linux", "amd64", null)),
                        new ManifestSummary.Entry(B, new Platform("linux", "arm64", "v8")),
                        new ManifestSummary.Entry(C, new Platform("linux", "arm", "v7")),
                        new ManifestSummary.Entry(C, null)),
                index.entries());
        assertEquals(A, index.manifestFor(Platform.parse("linux/amd64")));
        assertEquals(B, index.manifestFor(Platform.parse("linux/arm64")));
        assertEquals(B, index.manifestFor(Platform.parse("linux/arm64/v8")));
        assertEquals(C, index.manifestFor(Platform.parse("linux/arm/v7")));
        assertNull(index.manifestFor(Platform.parse("linux/arm/v6")));
        assertNull(index.manifestFor(Platform.parse("linux/s390x")), "an entry with no valid digest is none");
        assertNull(index.manifestFor(Platform.parse("windows/amd64")));
    }

    @Test
    void skipsFieldsItDoesNotUseWhateverTheirSize() {
        String empties = "[" + "{},".repeat(1_300_000) + "{}]";
        byte[] crafted = json("{'schemaVersion':2,'x':" + empties + ",'config':{'digest':'" + A
                + "'},'annotations':{'big':'" + "v".repeat(4_000_000) + "'}," + layers(3) + "}");
        ManifestSummary summary = ManifestSummary.read(crafted);
        assertEquals(MediaTypes.OCI_MANIFEST, summary.mediaType());
        assertEquals(List.of(A, B, B, B), summary.blobs());
    }

    @Test
    void refusesMoreReferencesThanItsLimit() {
        byte[] most = json("{'config':{'digest':'" + A + "'}," + layers(ManifestSummary.MAX_REFERENCES) + "}");
        assertEquals(
                ManifestSummary.MAX_REFERENCES + 1,
                ManifestSummary.read(most).blobs().size());
        byte[] tooMany = json("{'config':{}," + layers(ManifestSummary.MAX_REFERENCES + 1) + "}");
        ManifestLimitException e = assertThrows(ManifestLimitException.class, () -> ManifestSummary.read(tooMany));
        assertTrue(e.getMessage().contains("more than 10000"), e.getMessage());
        assertThrows(ManifestLimitException.class, () -> ManifestSummary.mediaTypeOf(tooMany));
        byte[] empties = json("{'manifests':[" + "{},".repeat(1_000_000) + "{}]}");
        assertThrows(ManifestLimitException.class, () -> ManifestSummary.mediaTypeOf(empties));
    }

    @Test
    void refusesDeepNestingAndOverlongValues() {
        byte[] deep = json("{'config':{},'x':" + "[".repeat(1_000_000) + "]".repeat(1_000_000) + "}");
        assertThrows(ManifestLimitException.class, () -> ManifestSummary.mediaTypeOf(deep));
        byte[] longType = json("{'mediaType':'" + "m".repeat(100_000) + "','config':{}}");
        assertThrows(ManifestLimitException.class, () -> ManifestSummary.mediaTypeOf(longType));
    }
}
