package dev.registrycache.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link CustomResourceSchema} reads a CRD as the cluster has it, and refuses one it would check only in part. */
class CustomResourceSchemaTest {
    private static final String IDMS_CRD = "openshift-crds/0000_10_config-operator_01_imagedigestmirrorsets.crd.yaml";

    @Test
    void readsTheGroupVersionAndKindOfEachServedVersion() throws Exception {
        List<CustomResourceSchema> versions = CustomResourceSchema.fromResource(IDMS_CRD);
        assertEquals(1, versions.size());
        assertEquals("config.openshift.io/v1", versions.get(0).apiVersion());
        assertEquals("ImageDigestMirrorSet", versions.get(0).kind());
    }

    @Test
    void refusesACrdWhoseSchemaUsesAKeywordItDoesNotCheck() throws Exception {
        String crd;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(IDMS_CRD)) {
            crd = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String withMaxItems = crd.replace("x-kubernetes-list-type: set", "maxItems: 16");
        assertTrue(assertThrows(IllegalStateException.class, () -> CustomResourceSchema.fromYaml(withMaxItems, "x"))
                .getMessage()
                .contains("keyword maxItems is not checked here"));
        String withMapList = crd.replace("x-kubernetes-list-type: set", "x-kubernetes-list-type: map");
        assertTrue(assertThrows(IllegalStateException.class, () -> CustomResourceSchema.fromYaml(withMapList, "x"))
                .getMessage()
                .contains("x-kubernetes-list-type map is not checked here"));
    }
}
