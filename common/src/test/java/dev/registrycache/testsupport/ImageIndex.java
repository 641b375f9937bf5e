package dev.registrycache.testsupport;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * A multi-platform image: an OCI image index or a Docker manifest list with the images it
 * lists, so tests can check that a cache stores the index and the platform image a client
 * picked.
 */
public final class ImageIndex implements ImageArtifact {

    private final ImageFormat format;
    private final Blob manifest;
    private final List<Image> images;

    ImageIndex(ImageFormat format, Blob manifest, List<Image> images) {
        this.format = format;
        this.manifest = manifest;
        this.images = List.copyOf(images);
    }

    public ImageFormat format() {
        return format;
    }

    @Override
    public Blob manifest() {
        return manifest;
    }

    public List<Image> images() {
        return images;
    }

    public Image image(Platform platform) {
        return images.stream()
                .filter(image -> image.platform().equals(platform))
                .findFirst()
                .orElseThrow(() -> new NoSuchElementException("no " + platform + " image in " + this));
    }

    @Override
    public List<Blob> blobs() {
        Map<String, Blob> byDigest = new LinkedHashMap<>();
        images.forEach(image -> image.blobs().forEach(blob -> byDigest.putIfAbsent(blob.digest(), blob)));
        return List.copyOf(byDigest.values());
    }

    @Override
    public List<Blob> manifests() {
        List<Blob> manifests = new ArrayList<>();
        images.forEach(image -> manifests.add(image.manifest()));
        manifests.add(manifest);
        return List.copyOf(manifests);
    }

    @Override
    public String toString() {
        return "ImageIndex[" + format + " " + digest() + " of " + images + "]";
    }
}
