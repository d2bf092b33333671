package org.cvmfsstargz.snapshotter.core.dirs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Answers "is anything mounted under this directory, or using it?" from the kernel's mount
 * tables, so that no directory is deleted while a mount still uses it. A directory counts as
 * used when it (or anything under it) is a mount point, or appears in a mount's source or
 * options, as an overlay's upperdir or lowerdir does.
 *
 * <p>containerd makes its overlay mounts in the host's mount namespace. A daemon in a pod has a
 * namespace of its own, whose table holds none of them, so it reads the host's table as well
 * ({@code /proc/1/mountinfo}, which a pod with {@code hostPID} sees): a path any table names is
 * in use. A table that cannot be read is an error, never an empty table, so that a daemon that
 * cannot see the host's mounts deletes nothing rather than something in use.
 *
 * <p>Thread-safe; reads the tables on each call.
 */
public final class MountTable {
    private static final Path OWN = Path.of("/proc/self/mountinfo");

    private final List<Path> tables;

    public MountTable(Path mountinfo) {
        this(List.of(mountinfo));
    }

    /** @param tables mountinfo files, each read on every call; at least one */
    public MountTable(List<Path> tables) {
        if (tables.isEmpty()) {
            throw new IllegalArgumentException("no mount table");
        }
        this.tables = List.copyOf(tables);
    }

    public static MountTable ofThisProcess() {
        return new MountTable(OWN);
    }

    /** This process's table and, when given, the host's (the DaemonSet's {@code /proc/1/mountinfo}). */
    public static MountTable ofThisProcessAnd(Optional<Path> hostTable) {
        return hostTable.map(host -> new MountTable(List.of(OWN, host))).orElseGet(MountTable::ofThisProcess);
    }

    public boolean anyUnder(Path dir) {
        return read().anyUnder(dir);
    }

    /** The paths the mount table names now: read once, ask many times (a cleanup pass). */
    public Snapshot read() {
        String text = text();
        List<String> paths = new ArrayList<>();
        for (String line : text.split("\n")) {
            for (String field : line.split("[ ,:=]")) {
                if (field.startsWith("/")) {
                    paths.add(unescape(field));
                }
            }
        }
        return new Snapshot(paths);
    }

    /**
     * The mount points under {@code dir} (itself included) whose file system type is
     * {@code fsType} ({@code fuse.<subtype>} for FUSE), deepest first, so that they can be
     * unmounted in that order.
     */
    public List<Path> mountPoints(Path dir, String fsType) {
        List<Path> found = new ArrayList<>();
        for (String line : text().split("\n")) {
            String[] halves = line.split(" - ", 2);
            String[] fields = halves[0].split(" ");
            if (halves.length == 2 && fields.length > 4 && halves[1].split(" ")[0].equals(fsType)) {
                Path mountPoint = Path.of(unescape(fields[4]));
                if (mountPoint.startsWith(dir)) {
                    found.add(mountPoint);
                }
            }
        }
        found.sort((a, b) -> Integer.compare(b.getNameCount(), a.getNameCount()));
        return found;
    }

    /** Every table's lines, one after another. */
    private String text() {
        StringBuilder text = new StringBuilder();
        for (Path table : tables) {
            try {
                text.append(Files.readString(table, StandardCharsets.UTF_8)).append('\n');
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the mount table " + table, e);
            }
        }
        return text.toString();
    }

    /** Every absolute path in mount points, sources and options, at one moment. */
    public record Snapshot(List<String> paths) {
        public Snapshot {
            paths = List.copyOf(paths);
        }

        public boolean anyUnder(Path dir) {
            String prefix = dir.toAbsolutePath().normalize().toString();
            for (String path : paths) {
                if (path.equals(prefix) || path.startsWith(prefix + "/")) {
                    return true;
                }
            }
            return false;
        }
    }

    /** The mount table escapes space, tab, newline and backslash as three octal digits. */
    private static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char ch = field.charAt(i);
            if (ch == '\\' && i + 4 <= field.length()) {
                try {
                    out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                    i += 3;
                    continue;
                } catch (NumberFormatException ignored) {
                    // not an escape: keep the backslash
                }
            }
            out.append(ch);
        }
        return out.toString();
    }
}
