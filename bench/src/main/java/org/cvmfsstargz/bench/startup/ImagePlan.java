package org.cvmfsstargz.bench.startup;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Which files the benchmark image holds, layer by layer: names, sizes, modes and the kind and
 * seed of each file's content, computed from an {@link ImageSpec} alone (no I/O). Sizes follow
 * the shape of a real software image: most files are small (64 B to 64 KiB, log-uniform, as
 * headers, scripts and Python modules are) and hold together at most half the bytes; one file in
 * a thousand is large (shared libraries, models) and shares the rest. A third of the small files
 * are text, which gzip shrinks; the rest, and every large file, are random bytes, which it cannot,
 * so the compressed image stays nearly as large as the files. Files are shuffled before they are
 * dealt to the layers in turn, so every layer gets a similar mix.
 *
 * <p>Immutable.
 *
 * @param spec   what was asked
 * @param layers the layers of generated files, bottom first (the busybox layer is not here)
 */
record ImagePlan(ImageSpec spec, List<LayerPlan> layers) {
    /** Changes whenever a plan or the content of its files would change: cached images keyed on it. */
    static final int FORMAT = 1;
    static final int FILES_PER_DIR = 100;
    static final int LARGE_EVERY = 1000;
    static final long SMALL_MIN = 64;
    static final long SMALL_MAX = 64 * 1024;
    static final int TEXT_ONE_IN = 3;

    /** What a file's bytes are made of; {@link FileContent} writes them. */
    enum Content { RANDOM, TEXT }

    /**
     * One regular file of the image.
     *
     * @param path    relative path in its layer's tar, under {@code opt/bench/}
     * @param size    bytes of content
     * @param mode    permission bits
     * @param content what the bytes are made of
     * @param seed    the seed of those bytes
     */
    record PlannedFile(String path, long size, int mode, Content content, long seed) {
        PlannedFile {
            if (path.isEmpty() || path.startsWith("/") || path.length() >= 100) {
                throw new IllegalArgumentException("a relative path under 100 characters, got \"" + path + "\"");
            }
            if (size < 0) {
                throw new IllegalArgumentException("negative size " + size + " of " + path);
            }
        }
    }

    /** One layer's files, in the order they go into its tar. */
    record LayerPlan(int index, List<PlannedFile> files) {
        LayerPlan {
            files = List.copyOf(files);
        }

        long bytes() {
            return files.stream().mapToLong(PlannedFile::size).sum();
        }
    }

    ImagePlan {
        layers = List.copyOf(layers);
    }

    static ImagePlan of(ImageSpec spec) {
        SplittableRandom random = new SplittableRandom(spec.seed());
        int large = Math.max(1, spec.files() / LARGE_EVERY);
        long[] sizes = sizes(spec, large, random);
        int[] order = shuffled(spec.files(), random);
        List<List<PlannedFile>> perLayer = new ArrayList<>();
        for (int l = 0; l < spec.layers(); l++) {
            perLayer.add(new ArrayList<>());
        }
        for (int k = 0; k < order.length; k++) {
            int i = order[k];
            int layer = k % spec.layers();
            int n = perLayer.get(layer).size();
            boolean isLarge = i >= spec.files() - large;
            Content content = !isLarge && random.nextInt(TEXT_ONE_IN) == 0 ? Content.TEXT : Content.RANDOM;
            String extension = isLarge ? "so" : content == Content.TEXT ? "txt" : "bin";
            String path = String.format(Locale.ROOT, "opt/bench/layer%d/d%05d/f%07d.%s", layer + 1,
                    n / FILES_PER_DIR, n, extension);
            perLayer.get(layer).add(new PlannedFile(path, sizes[i], isLarge ? 0755 : 0644, content, random.nextLong()));
        }
        List<LayerPlan> layers = new ArrayList<>();
        for (int l = 0; l < perLayer.size(); l++) {
            layers.add(new LayerPlan(l + 1, perLayer.get(l)));
        }
        return new ImagePlan(spec, layers);
    }

    /** Total regular files planned. */
    long files() {
        return layers.stream().mapToLong(l -> l.files().size()).sum();
    }

    /** Total content planned: always {@link ImageSpec#bytes()}. */
    long bytes() {
        return layers.stream().mapToLong(LayerPlan::bytes).sum();
    }

    /**
     * Sizes of all files, the last {@code large} of them the large ones; they add up to exactly
     * the spec's bytes. Small files are scaled down together if they would take more than half.
     */
    private static long[] sizes(ImageSpec spec, int large, SplittableRandom random) {
        int small = spec.files() - large;
        long[] sizes = new long[spec.files()];
        double lnMin = Math.log(SMALL_MIN);
        double lnMax = Math.log(SMALL_MAX);
        long smallSum = 0;
        for (int i = 0; i < small; i++) {
            sizes[i] = Math.round(Math.exp(lnMin + random.nextDouble() * (lnMax - lnMin)));
            smallSum += sizes[i];
        }
        long smallBudget = spec.bytes() / 2;
        if (smallSum > smallBudget) {
            double scale = (double) smallBudget / smallSum;
            smallSum = 0;
            for (int i = 0; i < small; i++) {
                sizes[i] = Math.max(1, (long) (sizes[i] * scale));
                smallSum += sizes[i];
            }
        }
        // At least 64 bytes a file on average leaves the large files 31 or more each.
        long rest = spec.bytes() - smallSum;
        double[] weights = new double[large];
        double total = 0;
        for (int j = 0; j < large; j++) {
            weights[j] = 0.25 + random.nextDouble();
            total += weights[j];
        }
        long given = 0;
        for (int j = 0; j < large - 1; j++) {
            sizes[small + j] = (long) (rest * (weights[j] / total));
            given += sizes[small + j];
        }
        sizes[spec.files() - 1] = rest - given;
        return sizes;
    }

    /** 0 to n-1 in a random order (Fisher-Yates). */
    private static int[] shuffled(int n, SplittableRandom random) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
