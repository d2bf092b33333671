package org.cvmfsstargz.it.support;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a directory tree holds, entry by entry, in the terms containerd's {@code fstest} compares:
 * type, permission bits, owner, and for files size, content digest and hard-link peers, for
 * symlinks the target text, for devices the device number. The root directory itself is left out,
 * as continuity's manifest leaves it out; directory sizes and timestamps are not compared.
 *
 * <p>Immutable once captured; thread-safe.
 */
public final class FsTree {

    /** File types by the {@code S_IFMT} bits of {@code st_mode}. */
    public enum Type { FILE, DIRECTORY, SYMLINK, FIFO, CHAR_DEVICE, BLOCK_DEVICE, SOCKET }

    /**
     * One path's facts. {@code size}/{@code sha256} are set for files only, {@code target} for
     * symlinks, {@code rdev} for devices; {@code hardLinks} lists every path in the tree sharing a
     * file's inode, or is empty when it has no peer there.
     */
    public record Entry(Type type, int mode, int uid, int gid, long size, String sha256, String target,
                        long rdev, List<String> hardLinks) {
        public Entry {
            hardLinks = List.copyOf(hardLinks);
        }

        @Override
        public String toString() {
            StringBuilder s = new StringBuilder(type.name().toLowerCase())
                    .append(" mode=0").append(Integer.toOctalString(mode))
                    .append(" uid=").append(uid).append(" gid=").append(gid);
            switch (type) {
                case FILE -> s.append(" size=").append(size).append(" sha256=").append(sha256, 0, 12);
                case SYMLINK -> s.append(" -> ").append(target);
                case CHAR_DEVICE, BLOCK_DEVICE -> s.append(" rdev=").append(rdev);
                default -> { }
            }
            if (!hardLinks.isEmpty()) {
                s.append(" links=").append(hardLinks);
            }
            return s.toString();
        }
    }

    private final SortedMap<String, Entry> entries;

    private FsTree(SortedMap<String, Entry> entries) {
        this.entries = entries;
    }

    /** Every entry under {@code root}, keyed by its path relative to root with a leading slash. */
    public SortedMap<String, Entry> entries() {
        return entries;
    }

    /** Reads the tree under {@code root} without following symlinks. */
    public static FsTree capture(Path root) throws IOException {
        Map<String, Map<String, Object>> raw = new TreeMap<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                if (!dir.equals(root)) {
                    raw.put(relative(root, dir), Files.readAttributes(dir, "unix:*", LinkOption.NOFOLLOW_LINKS));
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                raw.put(relative(root, file), Files.readAttributes(file, "unix:*", LinkOption.NOFOLLOW_LINKS));
                return FileVisitResult.CONTINUE;
            }
        });
        Map<String, List<String>> byInode = new HashMap<>();
        raw.forEach((path, attrs) -> {
            if (typeOf(attrs) == Type.FILE && (Integer) attrs.get("nlink") > 1) {
                byInode.computeIfAbsent(attrs.get("dev") + ":" + attrs.get("ino"), k -> new ArrayList<>()).add(path);
            }
        });
        SortedMap<String, Entry> entries = new TreeMap<>();
        for (Map.Entry<String, Map<String, Object>> e : raw.entrySet()) {
            entries.put(e.getKey(), entry(root, e.getKey(), e.getValue(), byInode));
        }
        return new FsTree(entries);
    }

    /**
     * Human-readable differences between {@code expected} and {@code actual}: "- p" for a path only
     * expected, "+ p" for one only present, "~ p" with both entries for one that differs. Empty when
     * the trees are equal.
     */
    public static List<String> differences(Path expected, Path actual) throws IOException {
        return capture(expected).differencesTo(capture(actual));
    }

    /** As {@link #differences(Path, Path)}, with this tree as the expected one. */
    public List<String> differencesTo(FsTree actual) {
        List<String> out = new ArrayList<>();
        Set<String> paths = new TreeSet<>(entries.keySet());
        paths.addAll(actual.entries.keySet());
        for (String path : paths) {
            Entry want = entries.get(path);
            Entry got = actual.entries.get(path);
            if (got == null) {
                out.add("- " + path + " (" + want + ")");
            } else if (want == null) {
                out.add("+ " + path + " (" + got + ")");
            } else if (!want.equals(got)) {
                out.add("~ " + path + ": expected " + want + ", got " + got);
            }
        }
        return out;
    }

    private static Entry entry(Path root, String path, Map<String, Object> attrs, Map<String, List<String>> byInode)
            throws IOException {
        Type type = typeOf(attrs);
        int mode = (Integer) attrs.get("mode") & 07777;
        int uid = (Integer) attrs.get("uid");
        int gid = (Integer) attrs.get("gid");
        Path file = root.resolve(path.substring(1));
        return switch (type) {
            case FILE -> {
                List<String> peers = byInode.getOrDefault(attrs.get("dev") + ":" + attrs.get("ino"), List.of());
                yield new Entry(type, mode, uid, gid, (Long) attrs.get("size"), sha256(file), "", 0,
                        peers.size() > 1 ? peers : List.of());
            }
            case SYMLINK -> new Entry(type, mode, uid, gid, 0, "", Files.readSymbolicLink(file).toString(), 0,
                    List.of());
            case CHAR_DEVICE, BLOCK_DEVICE -> new Entry(type, mode, uid, gid, 0, "", "", (Long) attrs.get("rdev"),
                    List.of());
            default -> new Entry(type, mode, uid, gid, 0, "", "", 0, List.of());
        };
    }

    private static Type typeOf(Map<String, Object> attrs) {
        int format = (Integer) attrs.get("mode") & 0170000;
        return switch (format) {
            case 0100000 -> Type.FILE;
            case 0040000 -> Type.DIRECTORY;
            case 0120000 -> Type.SYMLINK;
            case 0010000 -> Type.FIFO;
            case 0020000 -> Type.CHAR_DEVICE;
            case 0060000 -> Type.BLOCK_DEVICE;
            case 0140000 -> Type.SOCKET;
            default -> throw new IllegalStateException("unknown file type 0" + Integer.toOctalString(format));
        };
    }

    private static String relative(Path root, Path p) {
        return "/" + root.relativize(p);
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        entries.forEach((path, entry) -> s.append(path).append(": ").append(entry).append('\n'));
        return s.toString();
    }
}
