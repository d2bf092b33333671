package org.cvmfsstargz.snapshotter.core.dirs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Answers "is anything mounted under this directory, or using it?" from the kernel's mount
 * table, so that no directory is deleted while a mount still uses it. A directory counts as
 * used when it (or anything under it) is a mount point, or appears in a mount's source or
 * options, as an overlay's upperdir or lowerdir does. Thread-safe; reads the table on each call.
 */
public final class MountTable {
    private final Path mountinfo;

    public MountTable(Path mountinfo) {
        this.mountinfo = mountinfo;
    }

    public static MountTable ofThisProcess() {
        return new MountTable(Path.of("/proc/self/mountinfo"));
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

    private String text() {
        try {
            return Files.readString(mountinfo, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + mountinfo, e);
        }
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
