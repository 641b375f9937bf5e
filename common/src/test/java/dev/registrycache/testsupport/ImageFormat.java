package dev.registrycache.testsupport;

/**
 * The two manifest families a cache must store byte for byte: OCI, and Docker's schema2 with its
 * manifest list. Each names the media types its manifests, configs, layers and indexes carry.
 */
public enum ImageFormat {
    OCI(
            TestMediaTypes.OCI_MANIFEST,
            TestMediaTypes.OCI_CONFIG,
            TestMediaTypes.OCI_LAYER_GZIP,
            TestMediaTypes.OCI_INDEX),
    DOCKER(
            TestMediaTypes.DOCKER_MANIFEST,
            TestMediaTypes.DOCKER_CONFIG,
            TestMediaTypes.DOCKER_LAYER_GZIP,
            TestMediaTypes.DOCKER_MANIFEST_LIST);

    private final String manifestMediaType;
    private final String configMediaType;
    private final String layerMediaType;
    private final String indexMediaType;

    ImageFormat(String manifestMediaType, String configMediaType, String layerMediaType, String indexMediaType) {
        this.manifestMediaType = manifestMediaType;
        this.configMediaType = configMediaType;
        this.layerMediaType = layerMediaType;
        this.indexMediaType = indexMediaType;
    }

    public String manifestMediaType() {
        return manifestMediaType;
    }

    public String configMediaType() {
        return configMediaType;
    }

    public String layerMediaType() {
        return layerMediaType;
    }

    /** The OCI image index, or for {@link #DOCKER} the Docker manifest list. */
    public String indexMediaType() {
        return indexMediaType;
    }
}
