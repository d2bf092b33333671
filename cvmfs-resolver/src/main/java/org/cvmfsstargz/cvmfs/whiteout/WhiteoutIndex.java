package org.cvmfsstargz.cvmfs.whiteout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import org.cvmfsstargz.cvmfs.resolve.LayerDigest;

/**
 * The whiteout index of one layer: everything {@link WhiteoutPlan#of} needs (its marker files and
 * the attributes of the directories holding them), as a small text file, so that the layer's
 * tree need not be walked again. The same format serves two places: the daemon's own copy per
 * layer digest on local disk, and {@code .layers/<xx>/<hex>/.metadata/whiteouts} on a repository,
 * written by {@code ingest} (or DUCC) at publication.
 *
 * <pre>
 * cvmfs-stargz-whiteouts 1
 * layer sha256:&lt;64 hex&gt;
 * dir &lt;mode, octal&gt; &lt;uid&gt; &lt;gid&gt; &lt;mtime seconds&gt; &lt;mtime nanoseconds&gt; &lt;path&gt;
 * marker &lt;path&gt;
 * end crc32c:&lt;8 hex&gt;
 * </pre>
 * Lines end with LF; {@code dir} and {@code marker} lines come in any number and order between
 * {@code layer} and {@code end}. Paths are relative to {@code layerfs}, written as
 * {@link IndexPaths} says ({@code .} is the root). {@code marker} names every {@code .wh.*} file
 * and every {@code .cvmfscatalog}; {@code dir} gives the attributes of every directory holding a
 * marker and of each of its ancestors, the root included. The checksum (CRC-32C, lower-case hex)
 * covers every byte before the {@code end} line, which must be the last.
 *
 * <p>Decoding trusts nothing: any deviation (version, layer digest, syntax, limits, a path that
 * could escape the layer, a name that is not a marker, a missing or repeated line, the checksum)
 * refuses the whole index. Pure; thread-safe (no state).
 */
public final class WhiteoutIndex {
    /** The index's file name in a layer's {@code .metadata} directory on a repository. */
    public static final String FILE_NAME = "whiteouts";
    /** The format version this code writes and reads. */
    public static final int VERSION = 1;
    /** The largest index accepted. */
    public static final int MAX_BYTES = 16 << 20;
    /** The most {@code dir} and {@code marker} lines accepted, together. */
    public static final int MAX_ENTRIES = 250_000;
    /** The longest path accepted, in bytes once decoded. */
    public static final int MAX_PATH_BYTES = 4096;

    static final String MAGIC = "cvmfs-stargz-whiteouts";
    private static final Pattern DIR = Pattern.compile(
            "dir ([0-7]{1,4}) (\\d{1,10}) (\\d{1,10}) (-?\\d{1,19}) (\\d{1,9}) (\\S+)");
    private static final Pattern MARKER = Pattern.compile("marker (\\S+)");
    private static final Pattern END = Pattern.compile("end crc32c:([0-9a-f]{8})");

    private WhiteoutIndex() {}

    /**
     * The index of {@code plan} for the layer {@code digest}, unless it exceeds the limits that
     * {@link #decode} accepts (a layer with very many markers: it is walked instead).
     */
    public static Optional<byte[]> encode(LayerDigest digest, WhiteoutPlan plan) {
        if (plan.hidden().size() + plan.directories().size() > MAX_ENTRIES) {
            return Optional.empty();
        }
        StringBuilder out = new StringBuilder(128 + 64 * (plan.hidden().size() + plan.directories().size()));
        out.append(MAGIC).append(' ').append(VERSION).append('\n');
        out.append("layer ").append(digest.value()).append('\n');
        Map<String, DirAttributes> dirs = new TreeMap<>();
        plan.directories().forEach((path, attributes) -> dirs.put(IndexPaths.encode(path), attributes));
        dirs.forEach((path, a) -> out.append("dir ").append(Integer.toOctalString(a.mode())).append(' ')
                .append(a.uid()).append(' ').append(a.gid()).append(' ')
                .append(a.lastModified().toInstant().getEpochSecond()).append(' ')
                .append(a.lastModified().toInstant().getNano()).append(' ').append(path).append('\n'));
        plan.hidden().stream().map(IndexPaths::encode).sorted()
                .forEach(path -> out.append("marker ").append(path).append('\n'));
        byte[] body = out.toString().getBytes(StandardCharsets.US_ASCII);
        byte[] end = ("end crc32c:" + crc(body, body.length) + "\n").getBytes(StandardCharsets.US_ASCII);
        if (body.length + end.length > MAX_BYTES) {
            return Optional.empty();
        }
        byte[] all = new byte[body.length + end.length];
        System.arraycopy(body, 0, all, 0, body.length);
        System.arraycopy(end, 0, all, body.length, end.length);
        return Optional.of(all);
    }

    /**
     * The plan an index describes.
     *
     * @param content  the whole file
     * @param expected the layer the index must be for
     * @param resource what the content is (a file path), for messages
     * @throws CorruptIndexException the index is refused; the message says where and why
     */
    public static WhiteoutPlan decode(byte[] content, LayerDigest expected, String resource)
            throws CorruptIndexException {
        if (content.length > MAX_BYTES) {
            throw corrupt(resource, 0, "larger than " + MAX_BYTES + " bytes");
        }
        int endLine = checkedBodyLength(content, resource);
        String body = new String(content, 0, endLine, StandardCharsets.US_ASCII);
        String[] lines = body.split("\n", -1); // body ends with LF: the last element is empty
        if (lines.length < 3 || !lines[0].equals(MAGIC + " " + VERSION)) {
            throw corrupt(resource, 1, lines[0].startsWith(MAGIC + " ") ? "format version " + lines[0].substring(
                    MAGIC.length() + 1) + " is not " + VERSION : "not a whiteout index");
        }
        if (!lines[1].equals("layer " + expected.value())) {
            throw corrupt(resource, 2, "for another layer (" + lines[1] + "), expected " + expected.value());
        }
        if (lines.length - 3 > MAX_ENTRIES) {
            throw corrupt(resource, 0, "more than " + MAX_ENTRIES + " entries");
        }
        Set<Path> markers = new LinkedHashSet<>();
        Map<Path, DirAttributes> dirs = new HashMap<>();
        for (int i = 2; i < lines.length - 1; i++) {
            parseEntry(lines[i], i + 1, resource, markers, dirs);
        }
        for (Path marker : markers) {
            for (Path up = marker.getParent(); ; up = up.getParent()) {
                Path dir = up == null ? Path.of("") : up;
                if (!dirs.containsKey(dir)) {
                    throw corrupt(resource, 0, "no dir line for " + IndexPaths.encode(dir) + ", which holds marker "
                            + IndexPaths.encode(marker));
                }
                if (up == null) {
                    break;
                }
            }
        }
        return WhiteoutPlan.of(List.copyOf(markers), dirs);
    }

    private static void parseEntry(String line, int number, String resource, Set<Path> markers,
            Map<Path, DirAttributes> dirs) throws CorruptIndexException {
        Matcher dir = DIR.matcher(line);
        if (dir.matches()) {
            Path path = path(dir.group(6), true, number, resource);
            long uid = Long.parseLong(dir.group(2));
            long gid = Long.parseLong(dir.group(3));
            if (uid > Integer.MAX_VALUE || gid > Integer.MAX_VALUE) {
                throw corrupt(resource, number, "uid or gid out of range");
            }
            FileTime mtime;
            try {
                mtime = FileTime.from(Instant.ofEpochSecond(Long.parseLong(dir.group(4)), Long.parseLong(dir.group(5))));
            } catch (NumberFormatException | DateTimeException e) {
                throw corrupt(resource, number, "mtime out of range");
            }
            if (dirs.put(path, new DirAttributes(Integer.parseInt(dir.group(1), 8), (int) uid, (int) gid, mtime)) != null) {
                throw corrupt(resource, number, "second dir line for " + dir.group(6));
            }
            return;
        }
        Matcher marker = MARKER.matcher(line);
        if (!marker.matches()) {
            throw corrupt(resource, number, "not a dir or marker line");
        }
        Path path = path(marker.group(1), false, number, resource);
        if (!WhiteoutPlan.isMarker(path.getFileName().toString())) {
            throw corrupt(resource, number, marker.group(1) + " is not a marker (.wh.* or .cvmfscatalog)");
        }
        if (!markers.add(path)) {
            throw corrupt(resource, number, "second marker line for " + marker.group(1));
        }
    }

    private static Path path(String field, boolean rootAllowed, int number, String resource)
            throws CorruptIndexException {
        IndexPaths.Result result = IndexPaths.decode(field, rootAllowed);
        if (result.path().isEmpty()) {
            throw corrupt(resource, number, result.refusal() + ": " + field);
        }
        return result.path().get();
    }

    /** Checks the {@code end} line and its checksum; returns where that line starts. */
    private static int checkedBodyLength(byte[] content, String resource) throws CorruptIndexException {
        if (content.length == 0 || content[content.length - 1] != '\n') {
            throw corrupt(resource, 0, "truncated: no end line");
        }
        int start = content.length - 1;
        while (start > 0 && content[start - 1] != '\n') {
            start--;
        }
        for (int i = 0; i < start; i++) {
            if (content[i] != '\n' && (content[i] < 0x20 || content[i] > 0x7e)) {
                throw corrupt(resource, 0, "byte " + i + " is not printable ASCII");
            }
        }
        Matcher end = END.matcher(new String(content, start, content.length - 1 - start, StandardCharsets.US_ASCII));
        if (!end.matches()) {
            throw corrupt(resource, 0, "truncated: the last line is not the end line");
        }
        String actual = crc(content, start);
        if (!actual.equals(end.group(1))) {
            throw corrupt(resource, 0, "checksum mismatch: the content has crc32c " + actual + ", the end line says "
                    + end.group(1));
        }
        return start;
    }

    private static String crc(byte[] bytes, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, length);
        return String.format("%08x", crc.getValue());
    }

    private static CorruptIndexException corrupt(String resource, int line, String why) {
        return new CorruptIndexException("whiteout index " + resource + (line > 0 ? " line " + line : "")
                + " refused: " + why);
    }
}
