package org.cvmfsstargz.bench.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.cvmfsstargz.bench.compare.AptResolver.Deb;
import org.cvmfsstargz.bench.compare.ImageRecipe.LayerRecipe;

/**
 * Turns resolved packages into layer trees: {@code apt-get download} of the {@code .deb} files
 * not yet in the shared package directory, then {@code dpkg -x} of each into the layer's tree
 * (files only: no maintainer scripts run), then what those scripts would have added that the
 * image needs: the recipe's links and files, and Python's byte code (Debian's
 * {@code py3compile} writes it at install time), compiled with the host's own Python of the same
 * version when it has one. What this adds gets one fixed time, so a layer's bytes depend on its
 * packages only (the base layer is the same blob in every image). Stateless.
 */
final class DebianLayers {
    private static final int DOWNLOAD_BATCH = 40;
    private static final Duration DOWNLOAD_TIMEOUT = Duration.ofMinutes(30);
    private static final Duration STEP_TIMEOUT = Duration.ofMinutes(10);
    private static final List<String> PYTHON_DIRS = List.of("usr/lib/python3/dist-packages");
    private static final FileTime SETTLED = FileTime.from(Instant.parse("2025-01-01T00:00:00Z"));

    private DebianLayers() {}

    /** Downloads every package of {@code debs} that {@code debDir} does not hold yet. */
    static void download(List<Deb> debs, Path debDir, Consumer<String> progress) throws IOException {
        Files.createDirectories(debDir);
        List<Deb> missing = debs.stream().filter(d -> !Files.isRegularFile(debDir.resolve(d.fileName()))).toList();
        if (missing.isEmpty()) {
            return;
        }
        progress.accept(String.format("downloading %d of %d packages into %s", missing.size(), debs.size(), debDir));
        for (int i = 0; i < missing.size(); i += DOWNLOAD_BATCH) {
            List<String> command = new ArrayList<>(List.of("apt-get", "download", "-q", "-o", "Debug::NoLocking=1",
                    "-o", "APT::Sandbox::User=root"));
            missing.subList(i, Math.min(missing.size(), i + DOWNLOAD_BATCH)).forEach(d -> command.add(d.pinned()));
            Shell.Result r = Shell.run(command, DOWNLOAD_TIMEOUT, Optional.of(debDir));
            if (r.code() != 0) {
                throw new IOException("cannot download packages (an `apt-get update` may help): " + r.tail());
            }
        }
        for (Deb d : missing) {
            if (!Files.isRegularFile(debDir.resolve(d.fileName()))) {
                throw new IOException("apt-get download did not write " + debDir.resolve(d.fileName()));
            }
        }
    }

    /**
     * Fills {@code tree} (emptied first) with the layer: its packages unpacked, then the recipe's
     * files and links, then byte code for its Python modules if {@code python} (e.g.
     * {@code python3.11}) runs on the host. Returns the number of entries the tree holds.
     */
    static long extract(LayerRecipe recipe, List<Deb> debs, Path debDir, Path tree, Optional<String> python)
            throws IOException {
        if (Files.exists(tree)) {
            Shell.ok(List.of("rm", "-rf", "--one-file-system", tree.toString()), STEP_TIMEOUT);
        }
        Files.createDirectories(tree);
        // A second back: file systems store times coarser than the clock reads them.
        FileTime begin = FileTime.from(Instant.now().minusSeconds(1));
        for (Deb d : debs) {
            Shell.ok(List.of("dpkg", "-x", debDir.resolve(d.fileName()).toString(), tree.toString()), STEP_TIMEOUT);
        }
        for (var file : recipe.files().entrySet()) {
            Path target = tree.resolve(file.getKey());
            Files.createDirectories(target.getParent());
            Files.writeString(target, file.getValue());
        }
        for (var link : recipe.links().entrySet()) {
            Path path = tree.resolve(link.getKey());
            Files.createDirectories(path.getParent());
            Files.deleteIfExists(path);
            Files.createSymbolicLink(path, Path.of(link.getValue()));
        }
        if (python.isPresent()) {
            compilePython(tree, python.get());
        }
        return settleTimes(tree, begin);
    }

    /**
     * Gives everything made after {@code begin} (the files and links added here, byte code and
     * its directories, directories whose listing changed) one fixed time, so the same packages
     * always give the same layer bytes; what the packages hold keeps their own times, which the
     * byte code was checked against. Returns the number of entries under {@code tree}.
     */
    private static long settleTimes(Path tree, FileTime begin) throws IOException {
        List<Path> entries;
        try (Stream<Path> walk = Files.walk(tree)) {
            entries = walk.filter(p -> !p.equals(tree)).toList();
        }
        for (Path p : entries) {
            BasicFileAttributeView view = Files.getFileAttributeView(p, BasicFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS);
            if (view.readAttributes().lastModifiedTime().compareTo(begin) >= 0) {
                view.setTimes(SETTLED, SETTLED, null);
            }
        }
        return entries.size();
    }

    /**
     * The host's {@code /usr/bin/python3.N} when the image installs that same version (its
     * {@code python3.N-minimal}): its byte code is then what the image's own Python would write.
     */
    static Optional<String> hostPythonFor(List<List<Deb>> layers) {
        return layers.stream().flatMap(List::stream).map(Deb::name)
                .filter(n -> n.matches("python3\\.\\d+-minimal"))
                .map(n -> n.substring(0, n.length() - "-minimal".length()))
                .filter(v -> Files.isExecutable(Path.of("/usr/bin", v)))
                .findFirst();
    }

    private static void compilePython(Path tree, String python) throws IOException {
        List<String> dirs = new ArrayList<>();
        for (String dir : PYTHON_DIRS) {
            if (Files.isDirectory(tree.resolve(dir))) {
                dirs.add(tree.resolve(dir).toString());
            }
        }
        Path stdlib = tree.resolve("usr/lib").resolve(python);
        if (Files.isDirectory(stdlib)) {
            dirs.add(stdlib.toString());
        }
        if (dirs.isEmpty()) {
            return;
        }
        // -s/-p: the byte code names its source as the image sees it. Files that do not compile
        // (test data in Python 2 syntax) are skipped, as py3compile skips them: the status is ignored.
        List<String> command = new ArrayList<>(List.of("/usr/bin/" + python, "-E", "-m", "compileall", "-q", "-j", "0",
                "-s", tree.toString(), "-p", "/"));
        command.addAll(dirs);
        Shell.run(command, STEP_TIMEOUT);
    }
}
