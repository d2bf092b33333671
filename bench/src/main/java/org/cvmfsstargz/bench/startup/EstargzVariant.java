package org.cvmfsstargz.bench.startup;

import java.util.List;

/**
 * The two ways the eStargz benchmark gets the converted image onto a node, each into a daemon of
 * its own configuration ({@code [cvmfs]} off in both).
 *
 * <ul>
 *   <li>{@link #NORMAL}, the baseline: {@code ctr images pull} into our snapshotter with
 *       {@code [estargz]} off, which downloads every layer blob whole and unpacks it.
 *   <li>{@link #LAZY}: {@code ctr-remote image rpull}, whose Prepares carry each layer's TOC
 *       digest; the daemon fetches the TOCs and mounts every layer through FUSE, and files' chunks
 *       are fetched by HTTP Range when read.
 * </ul>
 */
enum EstargzVariant {
    NORMAL("normal"),
    LAZY("lazy");

    private final String label;

    EstargzVariant(String label) {
        this.label = label;
    }

    String label() {
        return label;
    }

    /** The client and its arguments (after {@code --address} and {@code -n}) that pull {@code image}. */
    List<String> pull(String image) {
        return switch (this) {
            case NORMAL -> List.of("ctr", "images", "pull", "--plain-http", "--snapshotter", StartupOptions.SNAPSHOTTER,
                    image);
            case LAZY -> List.of("ctr-remote", "image", "rpull", "--plain-http", "--snapshotter",
                    StartupOptions.SNAPSHOTTER, image);
        };
    }

    /** The daemon's configuration: eStargz on for the lazy variant only, no background fetch. */
    String daemonConfig() {
        return "[cvmfs]\nenabled = false\n\n[estargz]\nenabled = " + (this == LAZY)
                + "\nprefetch = true\nbackground_fetch = false\n";
    }

    /** Lazy first in odd rounds, normal first in even ones, so a drift in the machine's load hits both alike. */
    static List<EstargzVariant> order(int round) {
        return round % 2 == 1 ? List.of(LAZY, NORMAL) : List.of(NORMAL, LAZY);
    }
}
