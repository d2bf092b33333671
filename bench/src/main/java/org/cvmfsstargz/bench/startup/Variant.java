package org.cvmfsstargz.bench.startup;

import java.util.List;

/**
 * The two ways the benchmark gets the image onto a node before {@code ctr run}.
 *
 * <ul>
 *   <li>{@link #NORMAL}, the baseline: {@code ctr images pull}, which downloads every layer
 *       blob from the registry and unpacks it into the baseline snapshotter.
 *   <li>{@link #CVMFS}: {@code ctr-remote image rpull} into our snapshotter, which labels each
 *       layer's Prepare with its digest; the daemon finds every layer unpacked in the stand-in
 *       repository and links it, so containerd downloads only the manifest and config.
 * </ul>
 */
enum Variant {
    NORMAL("normal"),
    CVMFS("cvmfs");

    private final String label;

    Variant(String label) {
        this.label = label;
    }

    /** The name in the table and the JSON line. */
    String label() {
        return label;
    }

    /** The client and its arguments (after {@code --address} and {@code -n}) that pull {@code image}. */
    List<String> pull(String image, String baselineSnapshotter) {
        return switch (this) {
            case NORMAL -> List.of("ctr", "images", "pull", "--plain-http", "--snapshotter", baselineSnapshotter, image);
            case CVMFS -> List.of("ctr-remote", "image", "rpull", "--plain-http", "--snapshotter",
                    StartupOptions.SNAPSHOTTER, image);
        };
    }

    /** The snapshotter {@code ctr run} uses after the pull. */
    String runSnapshotter(String baselineSnapshotter) {
        return this == NORMAL ? baselineSnapshotter : StartupOptions.SNAPSHOTTER;
    }
}
