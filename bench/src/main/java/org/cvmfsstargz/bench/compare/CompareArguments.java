package org.cvmfsstargz.bench.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads {@link CompareOptions} from the command line. Besides the documented options it takes
 * two that {@code run-compare-bench} passes: {@code --default-jar FILE} (the jar of this tree,
 * used when no {@code --jar} is given) and {@code --anchors DIR} (where the reference
 * snapshotters are looked for when no command is given). Not thread-safe; one per parse.
 */
final class CompareArguments {
    static final String REFERENCE_LABEL = "reference";
    static final String CVMFS_REFERENCE_LABEL = "cern";
    static final String DEFAULT_REFERENCE_CONFIG = "no_background_fetch = true\n";
    private static final String STARGZ = "containerd-stargz-grpc";
    private static final String CVMFS = "cvmfs-snapshotter";

    private final Map<String, Path> jars = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();
    private Optional<Path> defaultJar = Optional.empty();
    private Optional<Path> anchors = Optional.empty();
    private List<String> javaOptions = List.of();
    private Optional<String> referenceCmd = Optional.empty();
    private Optional<Path> referenceConfig = Optional.empty();
    private boolean noReference;
    private Optional<String> cvmfsReferenceCmd = Optional.empty();
    private boolean noCvmfsReference;
    private Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    private Path tmp = Path.of("/tmp");
    private Path imageCache = Path.of("/var/tmp/cvmfs-stargz-compare");
    private List<String> images = ImageCatalog.names();
    private List<Link> links = List.of(Link.values());
    private List<Section> sections = List.of(Section.values());
    private long repeat = 3;
    private long latencyMs = 20;
    private long mbit = 100;
    private boolean dropCaches = true;
    private Optional<Path> jsonOut = Optional.empty();

    private CompareArguments() {}

    static CompareOptions parse(String[] args) {
        CompareArguments a = new CompareArguments();
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            if (a.flag(option)) {
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            a.valued(option, args[++i]);
        }
        return a.build();
    }

    private boolean flag(String option) {
        switch (option) {
            case "--no-reference" -> noReference = true;
            case "--no-cvmfs-reference" -> noCvmfsReference = true;
            case "--no-drop-caches" -> dropCaches = false;
            default -> {
                return false;
            }
        }
        return true;
    }

    private void valued(String option, String value) {
        switch (option) {
            case "--jar" -> jar(value);
            case "--default-jar" -> defaultJar = Optional.of(Path.of(value));
            case "--anchors" -> anchors = Optional.of(Path.of(value));
            case "--daemon-java-opts" -> javaOptions = CommandLine.split(value);
            case "--reference-cmd" -> referenceCmd = Optional.of(value);
            case "--reference-config" -> referenceConfig = Optional.of(Path.of(value));
            case "--cvmfs-reference-cmd" -> cvmfsReferenceCmd = Optional.of(value);
            case "--images" -> images = list(value);
            case "--links" -> links = list(value).stream().map(Link::of).toList();
            case "--sections" -> sections = list(value).stream().map(Section::of).toList();
            case "--repeat" -> repeat = number(option, value);
            case "--latency-ms" -> latencyMs = number(option, value);
            case "--mbit" -> mbit = number(option, value);
            case "--image-cache" -> imageCache = Path.of(value);
            case "--tmp" -> tmp = Path.of(value);
            case "--json-out" -> jsonOut = Optional.of(Path.of(value));
            case "--java" -> java = Path.of(value);
            default -> throw new IllegalArgumentException("unknown option " + option);
        }
    }

    /** {@code LABEL=FILE} or {@code FILE}; a label has no slash, so a path with {@code =} still reads as a path. */
    private void jar(String value) {
        int eq = value.indexOf('=');
        boolean labelled = eq > 0 && !value.substring(0, eq).contains("/");
        String label = labelled ? value.substring(0, eq) : "ours";
        Path file = Path.of(labelled ? value.substring(eq + 1) : value);
        if (jars.putIfAbsent(label, file) != null) {
            throw new IllegalArgumentException("--jar " + value + ": the label " + label + " is taken; give each"
                    + " jar a label of its own, e.g. --jar before=OLD.jar --jar after=NEW.jar");
        }
    }

    private CompareOptions build() {
        if (jars.isEmpty()) {
            jars.put("ours", defaultJar.orElseThrow(() -> new IllegalArgumentException(
                    "no --jar given (run-compare-bench passes the jar of this tree)")));
        }
        List<Variant> variants = new ArrayList<>();
        jars.forEach((label, file) -> variants.add(Variant.ours(label, file, java, javaOptions)));
        reference().ifPresent(variants::add);
        return new CompareOptions(variants, cvmfsReference(), notes, java, tmp, imageCache, images, links,
                List.copyOf(sections), checkedInt("--repeat", repeat), Duration.ofMillis(latencyMs), mbit * 1_000_000,
                dropCaches, jsonOut);
    }

    private Optional<Variant> reference() {
        if (noReference) {
            notes.add("no reference eStargz snapshotter: --no-reference");
            return Optional.empty();
        }
        Optional<String> command = referenceCmd.or(() -> anchor(STARGZ, " -log-level info"));
        if (command.isEmpty()) {
            notes.add("no reference eStargz snapshotter: no --reference-cmd, and " + anchorPath(STARGZ)
                    + " is absent; ours only");
            return Optional.empty();
        }
        String config = referenceConfig.map(CompareArguments::read).orElse(DEFAULT_REFERENCE_CONFIG);
        return Optional.of(Variant.reference(REFERENCE_LABEL, command.get(), config));
    }

    private Optional<Variant> cvmfsReference() {
        if (noCvmfsReference) {
            notes.add("no reference CVMFS snapshotter: --no-cvmfs-reference");
            return Optional.empty();
        }
        Optional<String> command = cvmfsReferenceCmd.or(() -> anchor(CVMFS, ""));
        if (command.isEmpty()) {
            notes.add("no reference CVMFS snapshotter: no --cvmfs-reference-cmd, and " + anchorPath(CVMFS)
                    + " is absent; ours only");
            return Optional.empty();
        }
        return Optional.of(Variant.reference(CVMFS_REFERENCE_LABEL, command.get(), CvmfsSection.CERN_CONFIG));
    }

    /** The default command of an anchor binary, when it is there. */
    private Optional<String> anchor(String binary, String more) {
        return anchors.map(dir -> dir.resolve(binary)).filter(Files::isExecutable)
                .map(p -> "'" + p.toAbsolutePath().normalize() + "' -address {socket} -root {root} -config {config}"
                        + more);
    }

    private String anchorPath(String binary) {
        return anchors.map(dir -> dir.resolve(binary).toAbsolutePath().normalize().toString())
                .orElse("(no --anchors) " + binary);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("--reference-config " + file + ": cannot read it: " + e.getMessage());
        }
    }

    private static List<String> list(String value) {
        return Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).distinct().toList();
    }

    private static long number(String option, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " takes a whole number, got \"" + value + "\"");
        }
    }

    private static int checkedInt(String option, long value) {
        if (value < 0 || value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(option + " out of range: " + value);
        }
        return (int) value;
    }
}
