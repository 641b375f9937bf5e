package dev.registrycache.testsupport;

import java.nio.file.Path;
import java.util.List;

/**
 * What can be pushed under a tag: a single-platform {@link Image} or an {@link ImageIndex}.
 * Everything a test compares against is exposed: the manifest bytes and digest, every blob.
 */
public sealed interface ImageArtifact permits Image, ImageIndex {

    /** The top-level manifest (image manifest, OCI index or Docker manifest list). */
    Blob manifest();

    /** Config and layer blobs of every image, each once, in the order to push them. */
    List<Blob> blobs();

    /** Every manifest, the ones an index lists before the index itself. */
    List<Blob> manifests();

    default String digest() {
        return manifest().digest();
    }

    default String mediaType() {
        return manifest().mediaType();
    }

    default byte[] manifestBytes() {
        return manifest().bytes();
    }

    /**
     * Writes an OCI image layout (oci-layout, index.json, blobs/sha256/) into {@code dir}, adding
     * {@code tag} as the {@code org.opencontainers.image.ref.name} of this artifact, so that
     * {@code skopeo copy [--all] --preserve-digests oci:<dir>:<tag> docker://...} pushes it.
     */
    default void writeOciLayout(Path dir, String tag) {
        ImageLayouts.writeOci(this, dir, tag);
    }

    /**
     * Writes containers/image's {@code dir:} layout (version 1.1: manifest.json, blobs named by
     * hex digest, {@code <hex>.manifest.json} for an index's images). skopeo pushes Docker schema2
     * manifests from it unchanged, which the OCI layout does not promise.
     */
    default void writeDirLayout(Path dir) {
        ImageLayouts.writeDir(this, dir);
    }
}
