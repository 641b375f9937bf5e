package dev.registrycache.testsupport;

import java.util.ArrayList;
import java.util.List;

/**
 * A single-platform image built by {@link OciImages}: manifest, config and layers, every digest
 * known before anything is pushed, so a test can compare what a registry or the cache served.
 */
public final class Image implements ImageArtifact {

    private final ImageFormat format;
    private final Platform platform;
    private final long seed;
    private final Blob manifest;
    private final Blob config;
    private final List<Layer> layers;

    Image(ImageFormat format, Platform platform, long seed, Blob manifest, Blob config, List<Layer> layers) {
        this.format = format;
        this.platform = platform;
        this.seed = seed;
        this.manifest = manifest;
        this.config = config;
        this.layers = List.copyOf(layers);
    }

    public ImageFormat format() {
        return format;
    }

    public Platform platform() {
        return platform;
    }

    public long seed() {
        return seed;
    }

    @Override
    public Blob manifest() {
        return manifest;
    }

    public Blob config() {
        return config;
    }

    public List<Layer> layers() {
        return layers;
    }

    public Layer layer(int index) {
        return layers.get(index);
    }

    public List<String> layerDigests() {
        return layers.stream().map(Layer::digest).toList();
    }

    @Override
    public List<Blob> blobs() {
        List<Blob> blobs = new ArrayList<>();
        blobs.add(config);
        layers.forEach(layer -> blobs.add(layer.blob()));
        return List.copyOf(blobs);
    }

    @Override
    public List<Blob> manifests() {
        return List.of(manifest);
    }

    @Override
    public String toString() {
        return "Image[" + format + " " + platform + " " + digest() + "]";
    }
}
