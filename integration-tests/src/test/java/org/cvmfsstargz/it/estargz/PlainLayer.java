package org.cvmfsstargz.it.estargz;

import java.io.IOException;
import java.io.InputStream;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * A gzip tar layer read whole with Commons Compress, independently of our eStargz reader: what the
 * tests compare a converted layer against. Immutable once read.
 *
 * @param entries each tar entry by its path (no leading {@code ./}, no trailing {@code /}), in tar order
 */
record PlainLayer(Map<String, Entry> entries) {
    PlainLayer {
        entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
    }

    /** The kinds of entries the tests' layers hold. */
    enum Kind { DIR, FILE, SYMLINK, HARDLINK, OTHER }

    /**
     * One tar entry.
     *
     * @param link a symlink's or hard link's target as stored, else ""
     * @param content a regular file's bytes, else empty
     */
    record Entry(String path, Kind kind, int mode, long uid, long gid, String link, byte[] content) {
        Entry {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(link, "link");
        }
    }

    /** Reads the gzip tar {@code blob} (all gzip members, as eStargz and plain layers alike are read); closes it. */
    static PlainLayer read(InputStream blob) throws IOException {
        Map<String, Entry> entries = new LinkedHashMap<>();
        try (InputStream gunzipped = GzipCompressorInputStream.builder().setInputStream(blob)
                .setDecompressConcatenated(true).get();
                TarArchiveInputStream tar = new TarArchiveInputStream(gunzipped)) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null;) {
                String path = normalise(e.getName());
                byte[] content = e.isFile() && !e.isLink() ? tar.readAllBytes() : new byte[0];
                entries.put(path, new Entry(path, kind(e), e.getMode() & 07777, e.getLongUserId(),
                        e.getLongGroupId(), link(e),
                        content));
            }
        }
        return new PlainLayer(entries);
    }

    /** A hard link names a path in the layer (normalised); a symlink's target is kept as written. */
    private static String link(TarArchiveEntry e) {
        return e.isLink() ? normalise(e.getLinkName()) : e.isSymbolicLink() ? e.getLinkName() : "";
    }

    /**
     * The regular files a container sees when {@code layers} (base first) are stacked the OCI way:
     * {@code .wh.<name>} deletes {@code name} of lower layers, {@code .wh..wh..opq} empties its
     * directory of them; a hard link has its target's bytes. By absolute path, sorted.
     */
    static Map<String, byte[]> merge(List<PlainLayer> layers) {
        Map<String, byte[]> files = new TreeMap<>();
        for (PlainLayer layer : layers) {
            for (Entry e : layer.entries().values()) {
                String path = "/" + e.path();
                String dir = path.substring(0, path.lastIndexOf('/') + 1);
                String name = path.substring(dir.length());
                if (name.equals(".wh..wh..opq")) {
                    files.keySet().removeIf(p -> p.startsWith(dir));
                } else if (name.startsWith(".wh.")) {
                    String gone = dir + name.substring(".wh.".length());
                    files.keySet().removeIf(p -> p.equals(gone) || p.startsWith(gone + "/"));
                } else if (e.kind() == Kind.FILE) {
                    files.put(path, e.content());
                } else if (e.kind() == Kind.HARDLINK) {
                    files.put(path, files.get("/" + e.link()));
                } else {
                    files.remove(path);
                }
            }
        }
        return files;
    }

    private static Kind kind(TarArchiveEntry e) {
        if (e.isDirectory()) {
            return Kind.DIR;
        }
        if (e.isSymbolicLink()) {
            return Kind.SYMLINK;
        }
        if (e.isLink()) {
            return Kind.HARDLINK;
        }
        return e.isFile() ? Kind.FILE : Kind.OTHER;
    }

    /** Tar names as the TOC reader normalises them: no {@code ./} prefix, no trailing slash. */
    private static String normalise(String name) {
        String path = name.startsWith("./") ? name.substring(2) : name;
        return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }
}
