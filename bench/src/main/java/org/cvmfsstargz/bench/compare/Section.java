package org.cvmfsstargz.bench.compare;

/** The parts of a run, selected with {@code --sections}. */
enum Section {
    /** Pull to the container's first output, per image, link and variant. */
    STARTUP("startup"),
    /** Every file under {@code /usr} of the JDK image read, cold then warm. */
    READ("read"),
    /** A CRI pull from a local layer tree in CVMFS's layout, then a container's first output. */
    CVMFS("cvmfs");

    private final String option;

    Section(String option) {
        this.option = option;
    }

    String option() {
        return option;
    }

    static Section of(String option) {
        for (Section section : values()) {
            if (section.option.equals(option)) {
                return section;
            }
        }
        throw new IllegalArgumentException("--sections takes startup, read and cvmfs, got \"" + option + "\"");
    }
}
