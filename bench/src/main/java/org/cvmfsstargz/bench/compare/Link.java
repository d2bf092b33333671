package org.cvmfsstargz.bench.compare;

/**
 * How the registry is reached: straight through the counting proxy on loopback, or through the
 * throttling relay in front of it (latency per request and connection, one shared bandwidth cap).
 */
enum Link {
    LOOPBACK("loopback", "loopback"),
    SLOW("slow", "slow link");

    private final String option;
    private final String label;

    Link(String option, String label) {
        this.option = option;
        this.label = label;
    }

    /** The name {@code --links} takes. */
    String option() {
        return option;
    }

    /** The name in tables and JSON. */
    String label() {
        return label;
    }

    static Link of(String option) {
        for (Link link : values()) {
            if (link.option.equals(option)) {
                return link;
            }
        }
        throw new IllegalArgumentException("--links takes loopback and slow, got \"" + option + "\"");
    }
}
