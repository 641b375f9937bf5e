package dev.registrycache.testsupport;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Builds container images from nothing but a seed: real tar+gzip layers of random bytes, a
 * config whose {@code rootfs.diff_ids} match them, and the manifest, in OCI or Docker schema2
 * form, single-platform or as an index. The same seed gives the same bytes, so tests and
 * benchmarks need no image from the internet and know every digest in advance.
 *
 * <pre>{@code
 * Image small = OciImages.ociImage(7);
 * Image big = OciImages.image().seed(8).layers(1).layerSize(64 << 20).storeIn(tempDir).build();
 * ImageIndex multiArch = OciImages.ociIndex(9);   // linux/amd64 and linux/arm64
 * }</pre>
 */
public final class OciImages {

    /** Layers bigger than this are written to the {@code storeIn} folder instead of the heap. */
    public static final long IN_MEMORY_LIMIT = 4L << 20;

    static final String CREATED = "2023-11-14T22:13:20Z";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CHUNK = 1 << 16;

    private OciImages() {}

    public static ImageBuilder image() {
        return new ImageBuilder();
    }

    public static IndexBuilder index() {
        return new IndexBuilder();
    }

    /** A linux/amd64 OCI image of two 1 KiB layers. */
    public static Image ociImage(long seed) {
        return image().seed(seed).build();
    }

    /** A linux/amd64 Docker schema2 image of two 1 KiB layers. */
    public static Image dockerImage(long seed) {
        return image().seed(seed).docker().build();
    }

    /** An OCI index of a linux/amd64 and a linux/arm64 image. */
    public static ImageIndex ociIndex(long seed) {
        return index().seed(seed).build();
    }

    /** A Docker manifest list of a linux/amd64 and a linux/arm64 schema2 image. */
    public static ImageIndex dockerManifestList(long seed) {
        return index().seed(seed).docker().build();
    }

    /** Options of a single-platform image; defaults: seed 1, OCI, linux/amd64, 2 layers of 1 KiB. */
    public static final class ImageBuilder {
        private long seed = 1;
        private ImageFormat format = ImageFormat.OCI;
        private Platform platform = Platform.LINUX_AMD64;
        private long[] layerSizes = {1024, 1024};
        private Path storeIn;
        private String prints;

        private ImageBuilder() {}

        /**
         * Makes the image runnable on linux/amd64: a first layer holds {@code /hello}, a static
         * executable ({@link TinyElf}) that prints {@code text}, and the config runs it.
         */
        public ImageBuilder runnable(String text) {
            this.prints = Objects.requireNonNull(text);
            return this;
        }

        public ImageBuilder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public ImageBuilder format(ImageFormat format) {
            this.format = Objects.requireNonNull(format);
            return this;
        }

        public ImageBuilder oci() {
            return format(ImageFormat.OCI);
        }

        public ImageBuilder docker() {
            return format(ImageFormat.DOCKER);
        }

        public ImageBuilder platform(Platform platform) {
            this.platform = Objects.requireNonNull(platform);
            return this;
        }

        /** Number of layers, keeping the size of the first. */
        public ImageBuilder layers(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("an image needs at least one layer");
            }
            long size = layerSizes[0];
            layerSizes = new long[count];
            Arrays.fill(layerSizes, size);
            return this;
        }

        /** Random (incompressible) bytes in each layer's one data file. */
        public ImageBuilder layerSize(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("negative layer size");
            }
            Arrays.fill(layerSizes, bytes);
            return this;
        }

        /** One layer per size given, e.g. {@code layerSizes(1024, 64 << 20)}. */
        public ImageBuilder layerSizes(long... bytes) {
            if (bytes.length < 1) {
                throw new IllegalArgumentException("an image needs at least one layer");
            }
            layerSizes = bytes.clone();
            return this;
        }

        /** The folder for layers above {@link #IN_MEMORY_LIMIT}, typically a JUnit {@code @TempDir}. */
        public ImageBuilder storeIn(Path dir) {
            this.storeIn = dir;
            return this;
        }

        public Image build() {
            if (prints != null && !platform.equals(Platform.LINUX_AMD64)) {
                throw new IllegalStateException("a runnable image is linux/amd64");
            }
            return buildImage(format, platform, seed, layerSizes, storeIn, prints);
        }
    }

    /** Options of a multi-platform image; defaults: seed 1, OCI, linux/amd64 and linux/arm64. */
    public static final class IndexBuilder {
        private long seed = 1;
        private ImageFormat format = ImageFormat.OCI;
        private List<Platform> platforms = List.of(Platform.LINUX_AMD64, Platform.LINUX_ARM64);
        private long[] layerSizes = {1024, 1024};
        private Path storeIn;

        private IndexBuilder() {}

        public IndexBuilder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public IndexBuilder format(ImageFormat format) {
            this.format = Objects.requireNonNull(format);
            return this;
        }

        public IndexBuilder oci() {
            return format(ImageFormat.OCI);
        }

        /** A Docker manifest list of schema2 images. */
        public IndexBuilder docker() {
            return format(ImageFormat.DOCKER);
        }

        public IndexBuilder platforms(Platform... platforms) {
            if (platforms.length < 1) {
                throw new IllegalArgumentException("an index needs at least one platform");
            }
            this.platforms = List.of(platforms);
            return this;
        }

        public IndexBuilder layers(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("an image needs at least one layer");
            }
            long size = layerSizes[0];
            layerSizes = new long[count];
            Arrays.fill(layerSizes, size);
            return this;
        }

        public IndexBuilder layerSize(long bytes) {
            Arrays.fill(layerSizes, bytes);
            return this;
        }

        public IndexBuilder storeIn(Path dir) {
            this.storeIn = dir;
            return this;
        }

        public ImageIndex build() {
            List<Image> images = new ArrayList<>();
            List<Object> descriptors = new ArrayList<>();
            for (int i = 0; i < platforms.size(); i++) {
                long childSeed = seed * 1_000_003L + 7919L * (i + 1);
                Image image = buildImage(format, platforms.get(i), childSeed, layerSizes, storeIn, null);
                images.add(image);
                Map<String, Object> descriptor = image.manifest().descriptorJson();
                descriptor.put("platform", platforms.get(i).descriptorJson());
                descriptors.add(descriptor);
            }
            Map<String, Object> index = new LinkedHashMap<>();
            index.put("schemaVersion", 2);
            index.put("mediaType", format.indexMediaType());
            index.put("manifests", descriptors);
            return new ImageIndex(format, Blob.ofBytes(format.indexMediaType(), json(index)), images);
        }
    }

    private static Image buildImage(
            ImageFormat format, Platform platform, long seed, long[] layerSizes, Path storeIn, String prints) {
        List<Layer> layers = new ArrayList<>();
        if (prints != null) {
            layers.add(executableLayer(format.layerMediaType(), TinyElf.printing(prints)));
        }
        for (int i = 0; i < layerSizes.length; i++) {
            layers.add(buildLayer(format.layerMediaType(), seed, i, layerSizes[i], storeIn));
        }
        Blob config = Blob.ofBytes(
                format.configMediaType(), json(config(platform, seed, layers, prints == null ? "/bin/sh" : HELLO)));
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", format.manifestMediaType());
        manifest.put("config", config.descriptorJson());
        manifest.put(
                "layers",
                layers.stream().map(layer -> layer.blob().descriptorJson()).toList());
        Blob manifestBlob = Blob.ofBytes(format.manifestMediaType(), json(manifest));
        return new Image(format, platform, seed, manifestBlob, config, layers);
    }

    private static Map<String, Object> config(Platform platform, long seed, List<Layer> layers, String cmd) {
        Map<String, Object> runtime = new LinkedHashMap<>();
        runtime.put("Env", List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
        runtime.put("Cmd", List.of(cmd));
        runtime.put("Labels", Map.of("dev.registrycache.testsupport.seed", Long.toString(seed)));
        Map<String, Object> rootfs = new LinkedHashMap<>();
        rootfs.put("type", "layers");
        rootfs.put("diff_ids", layers.stream().map(Layer::diffId).toList());
        List<Object> history = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("created", CREATED);
            entry.put("created_by", "testsupport layer " + i + " of seed " + seed);
            history.add(entry);
        }
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("created", CREATED);
        config.put("architecture", platform.architecture());
        config.put("os", platform.os());
        if (platform.variant() != null) {
            config.put("variant", platform.variant());
        }
        config.put("config", runtime);
        config.put("rootfs", rootfs);
        config.put("history", history);
        return config;
    }

    /** The program a runnable image runs. */
    private static final String HELLO = "/hello";

    /** A layer holding {@code /hello}. */
    private static Layer executableLayer(String mediaType, byte[] program) {
        try {
            ByteArrayOutputStream tarBytes = new ByteArrayOutputStream();
            TarWriter writer = new TarWriter(tarBytes);
            writer.executable(HELLO.substring(1), program);
            writer.finish();
            ByteArrayOutputStream gzipped = new ByteArrayOutputStream();
            try (GZIPOutputStream gzip = new FastGzip(gzipped)) {
                tarBytes.writeTo(gzip);
            }
            byte[] tar = tarBytes.toByteArray();
            return new Layer(
                    Blob.ofBytes(mediaType, gzipped.toByteArray()),
                    Sha256.format(Sha256.newDigest().digest(tar)),
                    tar.length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Streams tar, then gzip, then the sink, hashing the tar (diff_id) and the gzip (digest) on the
     * way, so that only a 64 KiB buffer is ever held for a layer of any size.
     */
    private static Layer buildLayer(String mediaType, long seed, int index, long size, Path storeIn) {
        boolean inMemory = size <= IN_MEMORY_LIMIT;
        if (!inMemory && storeIn == null) {
            throw new IllegalStateException("a layer of " + size + " bytes is written to a file: "
                    + "call storeIn(dir), e.g. with a JUnit @TempDir");
        }
        String folder = String.format("layer-%016x-%d", seed, index);
        byte[] info = ("seed=" + seed + "\nlayer=" + index + "\nsize=" + size + "\n").getBytes(StandardCharsets.UTF_8);
        MessageDigest compressedDigest = Sha256.newDigest();
        MessageDigest tarDigest = Sha256.newDigest();
        ByteArrayOutputStream memory = inMemory ? new ByteArrayOutputStream() : null;
        Path tempFile = null;
        try {
            OutputStream sink;
            if (inMemory) {
                sink = memory;
            } else {
                Files.createDirectories(storeIn);
                tempFile = Files.createTempFile(storeIn, ".layer-", ".tmp");
                sink = new BufferedOutputStream(Files.newOutputStream(tempFile), CHUNK);
            }
            CountingOutputStream compressed = new CountingOutputStream(new DigestOutputStream(sink, compressedDigest));
            GZIPOutputStream gzip = new FastGzip(compressed);
            CountingOutputStream tar = new CountingOutputStream(new DigestOutputStream(gzip, tarDigest));
            TarWriter writer = new TarWriter(tar);
            writer.directory(folder);
            writer.file(folder + "/info.txt", info);
            writer.file(folder + "/data.bin", size, out -> writeRandom(out, seed, index, size));
            writer.finish();
            gzip.finish();
            compressed.flush();
            sink.close();
            String digest = Sha256.format(compressedDigest.digest());
            String diffId = Sha256.format(tarDigest.digest());
            Blob blob;
            if (inMemory) {
                blob = Blob.ofBytes(mediaType, memory.toByteArray());
            } else {
                Path file = storeIn.resolve(Sha256.hex(digest) + ".tar.gz");
                Files.move(tempFile, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                tempFile = null;
                blob = Blob.ofFile(mediaType, file, digest, compressed.count());
            }
            return new Layer(blob, diffId, tar.count());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build layer " + index + " of seed " + seed, e);
        } finally {
            if (tempFile != null) {
                try {
                    Files.deleteIfExists(tempFile);
                } catch (IOException ignored) {
                    // the folder belongs to the caller, who deletes it
                }
            }
        }
    }

    private static void writeRandom(OutputStream out, long seed, int index, long size) throws IOException {
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index);
        byte[] chunk = new byte[CHUNK];
        for (long left = size; left > 0; ) {
            int n = (int) Math.min(CHUNK, left);
            if (n < CHUNK) {
                chunk = new byte[n];
            }
            random.nextBytes(chunk);
            out.write(chunk, 0, n);
            left -= n;
        }
    }

    private static byte[] json(Object value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Random data does not compress; the fastest level keeps a 64 MiB layer near a second. */
    private static final class FastGzip extends GZIPOutputStream {
        FastGzip(OutputStream out) throws IOException {
            super(out, CHUNK);
            def.setLevel(Deflater.BEST_SPEED);
        }
    }
}
