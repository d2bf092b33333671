package org.cvmfsstargz.bench.compare;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The command line of {@link CompareBenchmark}, parsed ({@link CompareArguments}) and validated
 * once. Immutable.
 *
 * @param variants       the snapshotters of the start-up and read sections: ours (one per
 *                       {@code --jar}) first, then the reference, if any
 * @param cvmfsReference the CVMFS reference snapshotter of the cvmfs section, if any
 * @param notes          what the run leaves out and why (a reference not found), for the report
 * @param java           the {@code java} binary that runs ours, its {@code ingest} and the conversion
 * @param tmp            parent of the run's temporary directory (containerd, snapshotter roots)
 * @param imageCache     where built images, downloaded packages, the registry's storage and the
 *                       ingested layer tree are kept between runs
 * @param images         the catalog's images to measure, by name
 * @param links          the links of the start-up section
 * @param sections       the sections to run
 * @param repeat         samples of each variant per image, link and section
 * @param latency        added per request and connection on the slow link
 * @param bitsPerSecond  the slow link's bandwidth
 * @param dropCaches     whether to drop the kernel's page cache before each cold sample
 * @param jsonOut        a file the JSON line is also appended to
 */
record CompareOptions(List<Variant> variants, Optional<Variant> cvmfsReference, List<String> notes, Path java,
        Path tmp, Path imageCache, List<String> images, List<Link> links, List<Section> sections, int repeat,
        Duration latency, long bitsPerSecond, boolean dropCaches, Optional<Path> jsonOut) {
    static final int MAX_REPEAT = 50;

    static final String USAGE = """
            usage: run-compare-bench [options]
              --jar [LABEL=]FILE         a daemon jar to measure (its lib/ beside it), repeatable: each is a variant,
                                         e.g. --jar before=/tmp/old/cvmfs-stargz-snapshotter.jar --jar after=snapshotter/
                                         target/cvmfs-stargz-snapshotter.jar (default: ours=the jar of this tree)
              --daemon-java-opts 'OPTS'  JVM options for every daemon of ours, e.g. '-Xmx256m -XX:+UseSerialGC'
              --reference-cmd 'CMD'      the reference eStargz snapshotter, with {socket} {root} {config} placeholders
                                         (default: ../shared/anchors/containerd-stargz-grpc -address {socket} -root
                                         {root} -config {config} -log-level info, when it exists); stopped with SIGINT
              --reference-config FILE    its configuration (default: no_background_fetch = true)
              --no-reference             measure ours only
              --cvmfs-reference-cmd 'CMD'  the reference CVMFS snapshotter for the cvmfs section (default:
                                         ../shared/anchors/cvmfs-snapshotter -address {socket} -root {root}
                                         -config {config}, when it exists); its configuration is written by the bench
              --no-cvmfs-reference       the cvmfs section without it
              --images LIST              of python,jdk,compilers (default: all three)
              --links LIST               of loopback,slow (default: both)
              --sections LIST            of startup,read,cvmfs (default: all three)
              --repeat N                 cold samples of each variant per image, link and section (default: 3)
              --latency-ms N             added per request and connection on the slow link (default: 20)
              --mbit N                   bandwidth of the slow link, all connections together (default: 100)
              --image-cache DIR          built images, packages, the registry's storage and the CVMFS layer tree,
                                         reused by later runs (default: /var/tmp/cvmfs-stargz-compare)
              --tmp DIR                  parent of the run's temporary directory (default: /tmp)
              --no-drop-caches           do not drop the kernel's page cache before each cold sample
              --json-out FILE            also append the JSON line to FILE
              --java FILE                java binary for ours (default: the one running the benchmark)
              --default-jar FILE, --anchors DIR   passed by run-compare-bench: the jar of this tree (used when no
                                         --jar is given), and where the reference snapshotters are looked for
              --help                     this text
            """;

    CompareOptions {
        variants = List.copyOf(variants);
        notes = List.copyOf(notes);
        images = List.copyOf(images);
        links = List.copyOf(links);
        sections = List.copyOf(sections);
        if (variants.stream().noneMatch(Variant::ours)) {
            throw new IllegalArgumentException("at least one --jar is needed");
        }
        if (variants.stream().map(Variant::label).distinct().count() != variants.size()) {
            throw new IllegalArgumentException("every variant needs its own label, got "
                    + variants.stream().map(Variant::label).toList());
        }
        if (repeat < 1 || repeat > MAX_REPEAT) {
            throw new IllegalArgumentException("--repeat must be 1 to " + MAX_REPEAT + ", got " + repeat);
        }
        if (images.isEmpty() || links.isEmpty() || sections.isEmpty()) {
            throw new IllegalArgumentException("--images, --links and --sections each need at least one entry");
        }
        for (String image : images) {
            ImageCatalog.recipe(image); // throws naming the known ones
        }
        if (bitsPerSecond < 1_000_000 || latency.isNegative()) {
            throw new IllegalArgumentException("--mbit must be at least 1 and --latency-ms at least 0");
        }
        if (!Files.isExecutable(java)) {
            throw new IllegalArgumentException("--java " + java + " is not executable");
        }
        if (!Files.isDirectory(tmp)) {
            throw new IllegalArgumentException("--tmp " + tmp + " is not a directory");
        }
    }

    /** Parses {@code args}; throws {@link IllegalArgumentException} naming the bad option. */
    static CompareOptions parse(String[] args) {
        return CompareArguments.parse(args);
    }

    /** The variant ratios are taken against: the reference if there is one, else the first jar. */
    Variant baseline() {
        return variants.stream().filter(v -> !v.ours()).findFirst().orElse(variants.getFirst());
    }

    /** The first jar of ours: it converts, and ingests, the images. */
    Variant firstOurs() {
        return variants.stream().filter(Variant::ours).findFirst().orElseThrow();
    }

    boolean runs(Section section) {
        return sections.contains(section);
    }
}
