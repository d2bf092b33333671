package org.cvmfsstargz.stargz.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The mount points of this process's mount namespace, from {@code /proc/self/mountinfo}. Reading
 * that file never touches a mounted filesystem, so a hung FUSE mount cannot block it.
 * Stateless and thread-safe.
 */
final class MountTable {
    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");
    private static final int MOUNT_POINT_FIELD = 4;

    private MountTable() {}

    /** Whether {@code path} (made absolute and normalised, links not followed) is a mount point. */
    static boolean isMountPoint(Path path) throws IOException {
        String wanted = path.toAbsolutePath().normalize().toString();
        return mountPoints(Files.readAllLines(MOUNTINFO, StandardCharsets.UTF_8)).contains(wanted);
    }

    /** The mount points (field 5) of mountinfo {@code lines}, unescaped. */
    static Set<String> mountPoints(List<String> lines) {
        Set<String> points = new HashSet<>();
        for (String line : lines) {
            String[] fields = line.split(" ");
            if (fields.length > MOUNT_POINT_FIELD) {
                points.add(unescape(fields[MOUNT_POINT_FIELD]));
            }
        }
        return points;
    }

    /** The kernel writes space, tab, newline and backslash in mountinfo as a backslash and three octal digits. */
    static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && isOctal(field, i + 1) && isOctal(field, i + 2)
                    && isOctal(field, i + 3)) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isOctal(String text, int index) {
        return index < text.length() && text.charAt(index) >= '0' && text.charAt(index) <= '7';
    }
}
