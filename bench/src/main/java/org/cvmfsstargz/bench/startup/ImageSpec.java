package org.cvmfsstargz.bench.startup;

import java.util.Locale;

/**
 * What the benchmark image holds besides its busybox base layer: {@code files} regular files
 * with {@code bytes} of content between them, spread over {@code layers} gzip layers, all drawn
 * from {@code seed}. The same spec always gives the same image, to the byte. Immutable.
 *
 * @param layers layers of generated files, on top of the busybox layer
 * @param files  generated regular files (busybox and the probe file come on top)
 * @param bytes  their content, all together
 * @param seed   seed of every size, name and byte
 */
record ImageSpec(int layers, int files, long bytes, long seed) {
    /** Every file gets at least this much on average, so that sizes can vary. */
    static final int MIN_AVERAGE_FILE_BYTES = 64;
    static final int MAX_LAYERS = 100;
    /** The {@code dNNNNN/fNNNNNNN} names leave room for this many files per layer. */
    static final int MAX_FILES = 10_000_000;

    ImageSpec {
        if (layers < 1 || layers > MAX_LAYERS) {
            throw new IllegalArgumentException("--image-layers must be 1 to " + MAX_LAYERS + ", got " + layers);
        }
        if (files < layers || files > MAX_FILES) {
            throw new IllegalArgumentException("--image-files must be at least one per layer (" + layers
                    + ") and at most " + MAX_FILES + ", got " + files);
        }
        if (bytes < (long) files * MIN_AVERAGE_FILE_BYTES) {
            throw new IllegalArgumentException("--image-mib too small for " + files + " files: they need at least "
                    + MIN_AVERAGE_FILE_BYTES + " bytes each on average (" + (long) files * MIN_AVERAGE_FILE_BYTES
                    + " bytes)");
        }
    }

    /** One line naming every parameter: two images with the same key are the same image. */
    String key() {
        return String.format(Locale.ROOT, "layers=%d files=%d bytes=%d seed=%d format=%d", layers, files, bytes, seed,
                ImagePlan.FORMAT);
    }
}
