package org.cvmfsstargz.snapshotter.cli;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The containerd release lines whose configuration differs for this snapshotter: 1.6 and 1.7
 * read config {@code version = 2} with CRI under {@code io.containerd.grpc.v1.cri}; 2.x reads
 * {@code version = 3} with CRI's image settings under {@code io.containerd.cri.v1.images}.
 */
enum ContainerdRelease {
    V1_6("1.6"),
    V1_7("1.7"),
    V2("2.x");

    // "1.6.20~ds1", "1.7.27", "v2.1.4", "2.0.0-rc.1": major.minor, then anything.
    private static final Pattern VERSION = Pattern.compile("v?(\\d+)\\.(\\d+)(?:[.~+-].*)?");

    private final String label;

    ContainerdRelease(String label) {
        this.label = label;
    }

    /** As the {@code --containerd-version} option spells it. */
    String label() {
        return label;
    }

    /**
     * The version number in what {@code containerd --version} printed, e.g. {@code v2.1.4} in
     * {@code containerd github.com/containerd/containerd/v2 v2.1.4 75cb2b7...}: the first word
     * of the first line that is one. Empty if none is.
     */
    static Optional<String> versionIn(String output) {
        String firstLine = output.lines().findFirst().orElse("");
        for (String word : firstLine.trim().split("\\s+")) {
            if (VERSION.matcher(word).matches()) {
                return Optional.of(word);
            }
        }
        return Optional.empty();
    }

    /**
     * {@code 1.6}, {@code 1.7} or {@code 2.x} (the option's values), or a version number such as
     * {@code 1.7.27} or {@code v2.1.4}. Empty for anything else, including unsupported versions.
     */
    static Optional<ContainerdRelease> of(String value) {
        for (ContainerdRelease release : values()) {
            if (release.label.equals(value)) {
                return Optional.of(release);
            }
        }
        Matcher m = VERSION.matcher(value);
        return m.matches() ? of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))) : Optional.empty();
    }

    private static Optional<ContainerdRelease> of(int major, int minor) {
        if (major == 1 && minor == 6) {
            return Optional.of(V1_6);
        }
        if (major == 1 && minor == 7) {
            return Optional.of(V1_7);
        }
        return major == 2 ? Optional.of(V2) : Optional.empty();
    }
}
