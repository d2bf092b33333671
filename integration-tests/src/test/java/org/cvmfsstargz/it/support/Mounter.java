package org.cvmfsstargz.it.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.cvmfsstargz.proto.types.Mount;

/**
 * Performs the mounts a snapshotter returns, the way containerd's {@code mount.All} does, with
 * mount(8) and umount(8) (so it needs root), and remembers every target so that {@link #close()}
 * leaves nothing mounted.
 *
 * <p>Two containerd behaviours are reproduced on purpose. A read-only bind is a bind followed by a
 * read-only remount, since the kernel ignores {@code MS_RDONLY} on the first bind call. An overlay
 * option string of at least one page minus 512 bytes is shortened as containerd's
 * {@code compactLowerdirOption} does: mount(8) runs with the common parent directory of the layer
 * directories as its working directory and gets paths relative to it.
 *
 * <p>Not thread-safe: one per test, closed by that test.
 */
public final class Mounter implements AutoCloseable {
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
    private static final int PAGE_SIZE = pageSize();

    private final Deque<Path> targets = new ArrayDeque<>();

    /** Mounts each of {@code mounts} on {@code target}, in order, as containerd's mount.All. */
    public void mountAll(List<Mount> mounts, Path target) throws IOException {
        if (mounts.isEmpty()) {
            throw new IllegalArgumentException("no mounts to mount on " + target);
        }
        for (Mount mount : mounts) {
            mount(mount, target);
        }
    }

    private void mount(Mount mount, Path target) throws IOException {
        List<String> options = new ArrayList<>(mount.getOptionsList());
        boolean bind = mount.getType().equals("bind") || options.contains("bind") || options.contains("rbind");
        if (bind) {
            boolean recursive = options.contains("rbind");
            boolean readOnly = options.contains("ro");
            run(List.of("mount", recursive ? "--rbind" : "--bind", mount.getSource(), target.toString()), null);
            targets.push(target);
            if (readOnly) {
                run(List.of("mount", "-o", "remount,bind,ro", target.toString()), null);
            }
            return;
        }
        Path workingDir = null;
        if (mount.getType().equals("overlay") && String.join(",", options).length() >= PAGE_SIZE - 512) {
            Optional<Path> common = commonParent(options);
            if (common.isPresent()) {
                workingDir = common.get();
                options = relativeTo(workingDir, options);
            }
        }
        List<String> command = new ArrayList<>(List.of("mount", "-t", mount.getType()));
        if (!options.isEmpty()) {
            command.addAll(List.of("-o", String.join(",", options)));
        }
        command.addAll(List.of(mount.getSource(), target.toString()));
        run(command, workingDir);
        targets.push(target);
    }

    /** Unmounts everything stacked on {@code target}; a target that is not mounted is left alone. */
    public void unmount(Path target) throws IOException {
        for (int i = 0; i < 16 && isMountPoint(target); i++) {
            try {
                run(List.of("umount", "-R", target.toString()), null);
            } catch (IOException busy) {
                // The Go suite unmounts with MNT_DETACH; fall back to it when something still holds the mount.
                run(List.of("umount", "-R", "-l", target.toString()), null);
            }
        }
        targets.removeIf(target::equals);
        if (isMountPoint(target)) {
            throw new IOException(target + " is still a mount point after unmounting");
        }
    }

    /** Unmounts every target this mounter mounted, newest first. */
    @Override
    public void close() throws IOException {
        IOException failure = null;
        for (Path target : new LinkedHashSet<>(targets)) {
            try {
                unmount(target);
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        targets.clear();
        if (failure != null) {
            throw failure;
        }
    }

    /** True when {@code path} is the mount point of some mount in this mount namespace. */
    public static boolean isMountPoint(Path path) throws IOException {
        return mountPoints().contains(path.toAbsolutePath().normalize().toString());
    }

    /** Mount points at or below {@code dir}, deepest first. */
    public static List<Path> mountPointsUnder(Path dir) throws IOException {
        String prefix = dir.toAbsolutePath().normalize().toString();
        return mountPoints().stream()
                .filter(p -> p.equals(prefix) || p.startsWith(prefix + "/"))
                .sorted(Comparator.comparingInt(String::length).reversed())
                .map(Path::of)
                .toList();
    }

    /** Lazily unmounts everything at or below {@code dir}: the last line of defence after a test. */
    public static void unmountEverythingUnder(Path dir) throws IOException {
        for (int round = 0; round < 8; round++) {
            List<Path> left = mountPointsUnder(dir);
            if (left.isEmpty()) {
                return;
            }
            for (Path p : left) {
                runQuietly(List.of("umount", "-l", p.toString()));
            }
        }
        List<Path> left = mountPointsUnder(dir);
        if (!left.isEmpty()) {
            throw new IOException("could not unmount " + left);
        }
    }

    private static Set<String> mountPoints() throws IOException {
        Set<String> points = new LinkedHashSet<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
            String[] fields = line.split(" ");
            if (fields.length > 4) {
                points.add(unescape(fields[4]));
            }
        }
        return points;
    }

    /** mountinfo escapes space, tab, newline and backslash as three octal digits. */
    private static String unescape(String field) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length() && field.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static Optional<Path> commonParent(List<String> options) {
        List<String> dirs = layerDirs(options);
        if (dirs.size() < 2) {
            return Optional.empty();
        }
        String prefix = dirs.getFirst();
        for (String dir : dirs) {
            int n = 0;
            while (n < prefix.length() && n < dir.length() && prefix.charAt(n) == dir.charAt(n)) {
                n++;
            }
            prefix = prefix.substring(0, n);
        }
        // Back off to a whole directory name, as containerd's path.Dir does for ids like 12 vs 13.
        int slash = prefix.lastIndexOf('/');
        String common = slash <= 0 ? "" : prefix.substring(0, slash);
        return common.isEmpty() ? Optional.empty() : Optional.of(Path.of(common));
    }

    private static List<String> layerDirs(List<String> options) {
        List<String> dirs = new ArrayList<>();
        for (String option : options) {
            if (option.startsWith("lowerdir=")) {
                dirs.addAll(List.of(option.substring("lowerdir=".length()).split(":")));
            } else if (option.startsWith("upperdir=") || option.startsWith("workdir=")) {
                dirs.add(option.substring(option.indexOf('=') + 1));
            }
        }
        return dirs;
    }

    private static List<String> relativeTo(Path common, List<String> options) {
        String prefix = common + "/";
        List<String> out = new ArrayList<>();
        for (String option : options) {
            int eq = option.indexOf('=');
            String name = eq < 0 ? "" : option.substring(0, eq + 1);
            if (name.equals("lowerdir=") || name.equals("upperdir=") || name.equals("workdir=")) {
                List<String> parts = new ArrayList<>();
                for (String dir : option.substring(eq + 1).split(":")) {
                    parts.add(dir.startsWith(prefix) ? dir.substring(prefix.length()) : dir);
                }
                out.add(name + String.join(":", parts));
            } else {
                out.add(option);
            }
        }
        return out;
    }

    private static void run(List<String> command, Path workingDir) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        if (workingDir != null) {
            builder.directory(workingDir.toFile());
        }
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!process.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish within " + COMMAND_TIMEOUT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + command, e);
        }
        if (process.exitValue() != 0) {
            throw new IOException("`" + String.join(" ", command) + "`"
                    + (workingDir == null ? "" : " in " + workingDir)
                    + " exited with " + process.exitValue() + ": " + output.strip());
        }
    }

    private static void runQuietly(List<String> command) {
        try {
            run(command, null);
        } catch (IOException ignored) {
            // The caller re-reads mountinfo and reports what is left.
        }
    }

    private static int pageSize() {
        try {
            Process p = new ProcessBuilder("getconf", "PAGESIZE").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
            p.waitFor(10, TimeUnit.SECONDS);
            return Integer.parseInt(out);
        } catch (IOException | NumberFormatException e) {
            return 4096;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 4096;
        }
    }
}
