package org.cvmfsstargz.it.estargz;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.cvmfsstargz.it.support.OciImageBuilder.Image;
import org.cvmfsstargz.it.support.OciImageBuilder.Layer;
import org.cvmfsstargz.it.support.OciImageBuilder;

/**
 * The image the eStargz tests convert and pull, and what a container of it must see. Three layers:
 * <ol>
 *   <li>{@link Layer#busyboxBase()};
 *   <li>{@value #SMALL_FILES} small files (some empty) in nested directories under {@value #TREE},
 *       a {@value #BIG_SIZE}-byte random file (many chunks at {@link #CHUNK_SIZE}), a random file of
 *       exactly one chunk, a compressible multi-chunk file, hard links (one to the big file),
 *       symbolic links (relative, absolute, to a directory, dangling), a file with a text and a
 *       binary {@code user.*} xattr, files with other owners and modes (setuid, sticky);
 *   <li>a whiteout of {@value #WHITED_OUT}, an opaque {@value #OPAQUE_DIR}, a replaced file and a
 *       new one.
 * </ol>
 * About 13 MiB compressed. Paths here are absolute, as the container sees them; tar and TOC paths
 * are the same without the leading slash ({@link #tarPath}).
 *
 * <p>Immutable once built; thread-safe.
 */
public final class EstargzTestImage {
    /** The chunk size to convert with ({@code --estargz-chunk-size}); small, so files span many chunks. */
    public static final int CHUNK_SIZE = 1 << 20;
    /** A small file of the middle layer the tests cat. */
    public static final String HELLO = "/data/hello.txt";
    public static final String HELLO_CONTENT = "hello from an eStargz layer\n";
    /** A small file of the top layer. */
    public static final String TOP = "/data/top.txt";
    public static final String TOP_CONTENT = "from the top layer\n";
    /** Written by the middle layer ("old\n"), replaced by the top one. */
    public static final String REPLACED = "/data/replaced.txt";
    public static final String REPLACED_CONTENT = "new\n";
    /** Random bytes, not a multiple of {@link #CHUNK_SIZE}: 11 chunks, the last one short. */
    public static final String BIG = "/big/random.bin";
    public static final int BIG_SIZE = 10 * CHUNK_SIZE + 12_345;
    /** Random bytes, exactly {@link #CHUNK_SIZE} long: one chunk. */
    public static final String ONE_CHUNK = "/big/one-chunk.bin";
    /** Text that gzip shrinks a lot, 3 chunks long. */
    public static final String COMPRESSIBLE = "/big/text.txt";
    /** Hard links: to {@link #HELLO} and to {@link #BIG}. */
    public static final String HELLO_HARDLINK = "/links/hello-hard";
    public static final String BIG_HARDLINK = "/links/random-hard";
    /** Symbolic links to their targets, as stored. */
    public static final Map<String, String> SYMLINKS = Map.of(
            "/links/hello-rel", "../data/hello.txt",
            "/links/hello-abs", "/data/hello.txt",
            "/links/tree", "../tree/d00",
            "/links/dangling", "nowhere");
    /** The file with xattrs: {@value #XATTR_NAME} (text) and {@value #BINARY_XATTR_NAME} (bytes, NUL included). */
    public static final String XATTR_FILE = "/data/xattr.txt";
    public static final String XATTR_NAME = "user.test";
    public static final String XATTR_VALUE = "hello";
    public static final String BINARY_XATTR_NAME = "user.binary";
    private static final byte[] BINARY_XATTR_VALUE = {0, 1, (byte) 0xfe, (byte) 0xff};
    /** Written by the middle layer, deleted by the top one's {@code etc/.wh.gone.txt}. */
    public static final String WHITED_OUT = "/etc/gone.txt";
    /**
     * The middle layer's files in it are hidden by the top layer's {@code .wh..wh..opq}; only
     * {@link #OPAQUE_SURVIVOR} is left.
     */
    public static final String OPAQUE_DIR = "/opaque";
    public static final String OPAQUE_SURVIVOR = "/opaque/new.txt";
    /** Where the small files live: {@code d00..d19/s00..s14/f00..f09}. */
    public static final String TREE = "/tree";
    public static final int SMALL_FILES = 20 * 15 * 10;
    /** Owner and mode of a file and a directory of another user. */
    public static final String OWNED_FILE = "/owned/alice.txt";
    public static final String OWNED_DIR = "/owned/bob";
    public static final String SETUID_FILE = "/owned/setuid";
    public static final String STICKY_DIR = "/owned/sticky";

    private final Image image;
    private final Map<String, byte[]> files;
    private final List<String> absent;

    private EstargzTestImage(Image image, Map<String, byte[]> files, List<String> absent) {
        this.image = image;
        this.files = files;
        this.absent = absent;
    }

    /** Writes the image's archive to {@code archive} under the reference {@code name}. */
    public static EstargzTestImage write(Path archive, String name) throws IOException {
        Contents contents = new Contents();
        Layer middle = middleLayer(contents);
        Layer top = topLayer(contents);
        Image image = OciImageBuilder.image(name).layer(Layer.busyboxBase()).layer(middle).layer(top)
                .cmd("/bin/cat", HELLO).writeArchive(archive);
        contents.put("/bin/busybox", Files.readAllBytes(Path.of("/bin/busybox")));
        contents.put("/bin/ls", contents.files.get("/bin/busybox"));
        return new EstargzTestImage(image, Collections.unmodifiableMap(contents.files),
                List.of(WHITED_OUT, OPAQUE_DIR + "/old.txt", OPAQUE_DIR + "/sub", "/etc/.wh.gone.txt",
                        OPAQUE_DIR + "/.wh..wh..opq"));
    }

    public Image image() {
        return image;
    }

    /**
     * Every regular file a container of the image sees (hard links included, under each name), by
     * absolute path, with its bytes. The caller must not modify the arrays.
     */
    public Map<String, byte[]> files() {
        return files;
    }

    /** The sha256 ({@code sha256:<hex>}) of each of {@link #files()}. */
    public Map<String, String> fileDigests() {
        Map<String, String> digests = new LinkedHashMap<>();
        files.forEach((path, bytes) -> digests.put(path, OciImageBuilder.sha256(bytes)));
        return digests;
    }

    /** Paths some layer wrote that a container must not see (whiteouts, opaque-hidden files, the markers). */
    public List<String> absentPaths() {
        return absent;
    }

    /** The binary xattr's value. */
    public static byte[] binaryXattrValue() {
        return BINARY_XATTR_VALUE.clone();
    }

    /** {@code /a/b} as tar and the TOC write it: {@code a/b}. */
    public static String tarPath(String path) {
        return path.substring(1);
    }

    /** The bytes of the {@code i}-th small file; some are empty, the rest from 20 bytes to about 1 KiB. */
    static byte[] smallFile(int i, String path) {
        if (i % 97 == 0) {
            return new byte[0];
        }
        return (path + "\n").repeat(1 + i % 50).getBytes(StandardCharsets.UTF_8);
    }

    private static Layer middleLayer(Contents c) {
        Layer layer = new Layer();
        c.file(layer, HELLO, HELLO_CONTENT.getBytes(StandardCharsets.UTF_8), 0644);
        c.file(layer, REPLACED, "old\n".getBytes(StandardCharsets.UTF_8), 0644);
        c.file(layer, XATTR_FILE, "a file with xattrs\n".getBytes(StandardCharsets.UTF_8), 0644);
        layer.xattr(tarPath(XATTR_FILE), XATTR_NAME, XATTR_VALUE.getBytes(StandardCharsets.UTF_8))
                .xattr(tarPath(XATTR_FILE), BINARY_XATTR_NAME, BINARY_XATTR_VALUE);
        c.file(layer, WHITED_OUT, "deleted by the top layer\n".getBytes(StandardCharsets.UTF_8), 0644);
        c.file(layer, OPAQUE_DIR + "/old.txt", "hidden by the opaque marker\n".getBytes(StandardCharsets.UTF_8), 0644);
        c.file(layer, OPAQUE_DIR + "/sub/deep.txt", "hidden too\n".getBytes(StandardCharsets.UTF_8), 0644);
        int i = 0;
        for (int d = 0; d < 20; d++) {
            for (int s = 0; s < 15; s++) {
                for (int f = 0; f < 10; f++, i++) {
                    String path = String.format("%s/d%02d/s%02d/f%02d", TREE, d, s, f);
                    c.file(layer, path, smallFile(i, path), 0644);
                }
            }
        }
        c.file(layer, BIG, Layer.randomBytes(42, BIG_SIZE), 0644);
        c.file(layer, ONE_CHUNK, Layer.randomBytes(43, CHUNK_SIZE), 0644);
        c.file(layer, COMPRESSIBLE, "line of text that gzip shrinks\n".repeat(3 * CHUNK_SIZE / 31 + 1)
                .getBytes(StandardCharsets.UTF_8), 0644);
        c.hardlink(layer, HELLO_HARDLINK, HELLO);
        c.hardlink(layer, BIG_HARDLINK, BIG);
        SYMLINKS.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(link -> layer.symlink(tarPath(link.getKey()), link.getValue()));
        c.put(OWNED_FILE, "for uid 1000\n".getBytes(StandardCharsets.UTF_8));
        layer.file(tarPath(OWNED_FILE), c.files.get(OWNED_FILE), 0600, 1000, 1000)
                .dir(tarPath(OWNED_DIR), 0750, 2000, 2000);
        c.put(OWNED_DIR + "/notes", "for uid 2000\n".getBytes(StandardCharsets.UTF_8));
        layer.file(tarPath(OWNED_DIR + "/notes"), c.files.get(OWNED_DIR + "/notes"), 0640, 2000, 2000);
        c.file(layer, SETUID_FILE, "not really a program\n".getBytes(StandardCharsets.UTF_8), 04755);
        return layer.dir(tarPath(STICKY_DIR), 01777);
    }

    private static Layer topLayer(Contents c) {
        Layer layer = new Layer();
        c.file(layer, TOP, TOP_CONTENT.getBytes(StandardCharsets.UTF_8), 0644);
        c.file(layer, REPLACED, REPLACED_CONTENT.getBytes(StandardCharsets.UTF_8), 0644);
        layer.whiteout(tarPath(WHITED_OUT));
        c.files.remove(WHITED_OUT);
        layer.opaque(tarPath(OPAQUE_DIR));
        c.files.keySet().removeIf(p -> p.startsWith(OPAQUE_DIR + "/"));
        c.file(layer, OPAQUE_SURVIVOR, "the only file left in /opaque\n".getBytes(StandardCharsets.UTF_8), 0644);
        return layer;
    }

    /** The merged view as layers are added: regular files by absolute path, sorted. */
    private static final class Contents {
        final Map<String, byte[]> files = new TreeMap<>();

        void file(Layer layer, String path, byte[] content, int mode) {
            layer.file(tarPath(path), content, mode);
            put(path, content);
        }

        void hardlink(Layer layer, String path, String target) {
            layer.hardlink(tarPath(path), tarPath(target));
            put(path, files.get(target));
        }

        void put(String path, byte[] content) {
            files.put(path, content);
        }
    }
}
