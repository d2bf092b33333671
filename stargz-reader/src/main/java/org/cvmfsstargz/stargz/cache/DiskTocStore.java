package org.cvmfsstargz.stargz.cache;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.CRC32C;
import org.cvmfsstargz.stargz.format.Digest;
import org.cvmfsstargz.stargz.format.Footer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Layers' footers and TOC sections on disk, one file per layer blob digest, so that a restart
 * mounts a layer again without its registry: {@code <cache dir>/tocs/<layer digest hex>}, beside
 * the chunk cache's shards (its {@code CACHEDIR.TAG} covers both). Each file is written to a
 * temporary file, fsynced, renamed into place and its directory fsynced: after a crash or power
 * loss there is the old file, the new one, or none, never part of one.
 *
 * <p>A file carries a CRC32C of its bytes; one that fails it, or cannot be read, is deleted and
 * reads as absent. The section is the blob's bytes as fetched, not trusted by this store: the
 * caller parses it against the TOC digest again whenever it reads it back (see
 * {@code layer.StoredTocs}), and deletes it if that fails.
 *
 * <p>Entries are not counted in the chunk cache's bound: the daemon deletes a layer's entry when no
 * snapshot uses the layer any more. Thread-safe: every write is a new file renamed into place.
 * Holds no open descriptor; nothing to close.
 */
public final class DiskTocStore {
    /** The subdirectory of the cache directory the entries are in. */
    public static final String DIRECTORY = "tocs";
    private static final Logger LOG = LoggerFactory.getLogger(DiskTocStore.class);
    private static final byte[] MAGIC = "ESTOC\0\0\1".getBytes(StandardCharsets.ISO_8859_1);
    /** Magic, blob size, footer format, TOC offset, digest length (the digest follows), section length. */
    private static final int HEADER = MAGIC.length + 8 + 1 + 8 + 2 + 4;

    /**
     * A layer's TOC as kept: enough to read the index again and to read the blob by range.
     *
     * @param blobSize the layer blob's length
     * @param footer its footer
     * @param tocDigest the digest the TOC JSON was verified against when it was kept
     * @param section the blob bytes {@code [footer.tocOffset(), blobSize - footer.size())}; not copied
     */
    public record StoredToc(long blobSize, Footer footer, Digest tocDigest, byte[] section) {
        public StoredToc {
            Objects.requireNonNull(footer, "footer");
            Objects.requireNonNull(tocDigest, "tocDigest");
            Objects.requireNonNull(section, "section");
            if (section.length != footer.tocLength(blobSize)) {
                throw new IllegalArgumentException("a TOC section of " + section.length + " bytes where the footer"
                        + " implies " + footer.tocLength(blobSize));
            }
        }
    }

    private final Path dir;

    private DiskTocStore(Path dir) {
        this.dir = dir;
    }

    /**
     * Opens the store in the cache directory {@code cacheDir}, preparing that directory as the chunk
     * cache does (created {@code 0700}, tagged, refused if it holds files without the tag), and
     * deletes the temporary files a crash left.
     */
    public static DiskTocStore open(Path cacheDir) throws IOException {
        Path dir = CacheDirectory.prepare(cacheDir).root().resolve(DIRECTORY);
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, CacheDirectory.TEMP_PREFIX + "*")) {
            for (Path file : files) {
                Files.deleteIfExists(file);
            }
        }
        return new DiskTocStore(dir);
    }

    /** The file of {@code layer}'s entry. */
    Path pathOf(Digest layer) {
        return dir.resolve(layer.hex());
    }

    /** The entry of {@code layer}; empty if there is none, or it is broken (then it is deleted). */
    public Optional<StoredToc> get(Digest layer) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(pathOf(layer));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            return broken(layer, e.toString());
        }
        try {
            return Optional.of(decode(bytes));
        } catch (RuntimeException e) { // a checksum that matches by chance over garbage: lengths out of range
            return broken(layer, e.toString());
        }
    }

    /**
     * Keeps {@code toc} as {@code layer}'s entry, replacing any: written whole and synced before it
     * is renamed into place, and the directory synced after.
     */
    public void put(Digest layer, StoredToc toc) throws IOException {
        byte[] bytes = encode(toc);
        Path temp = dir.resolve(CacheDirectory.TEMP_PREFIX + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        try {
            try (FileChannel channel = FileChannel.open(temp, Set.of(CREATE_NEW, WRITE, NOFOLLOW_LINKS),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            Files.move(temp, pathOf(layer), ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        try (FileChannel directory = FileChannel.open(dir, READ)) {
            directory.force(true); // the rename itself survives a power loss only once the directory is synced
        }
    }

    /** Whether {@code layer} has an entry, without reading or checking it. */
    public boolean contains(Digest layer) {
        return Files.isRegularFile(pathOf(layer), NOFOLLOW_LINKS);
    }

    /** Deletes {@code layer}'s entry, if there is one. */
    public void delete(Digest layer) {
        try {
            Files.deleteIfExists(pathOf(layer));
        } catch (IOException e) {
            LOG.warn("could not delete the stored TOC {}: {}", pathOf(layer), e.toString());
        }
    }

    /** The layers that have an entry. */
    public Set<Digest> layers() throws IOException {
        Set<Digest> layers = new HashSet<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                try {
                    layers.add(Digest.parse("sha256:" + file.getFileName()));
                } catch (IllegalArgumentException e) {
                    // A temporary file being written, or a stranger: not an entry.
                }
            }
        }
        return layers;
    }

    private Optional<StoredToc> broken(Digest layer, String why) {
        LOG.warn("deleting the stored TOC {}: {}", pathOf(layer), why);
        delete(layer);
        return Optional.empty();
    }

    static byte[] encode(StoredToc toc) {
        byte[] digest = toc.tocDigest().value().getBytes(StandardCharsets.US_ASCII);
        ByteBuffer buffer = ByteBuffer.allocate(HEADER + digest.length + toc.section().length + 4);
        buffer.put(MAGIC).putLong(toc.blobSize()).put((byte) toc.footer().format().ordinal())
                .putLong(toc.footer().tocOffset()).putShort((short) digest.length).put(digest)
                .putInt(toc.section().length).put(toc.section());
        CRC32C crc = new CRC32C();
        crc.update(buffer.array(), 0, buffer.position());
        buffer.putInt((int) crc.getValue());
        return buffer.array();
    }

    /** @throws IllegalArgumentException if the bytes are not a whole entry whose checksum matches */
    static StoredToc decode(byte[] bytes) {
        if (bytes.length < HEADER + 4) {
            throw new IllegalArgumentException(bytes.length + " bytes, too short for an entry");
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        if ((int) crc.getValue() != buffer.getInt(bytes.length - 4)) {
            throw new IllegalArgumentException("its checksum does not match");
        }
        byte[] magic = new byte[MAGIC.length];
        buffer.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new IllegalArgumentException("not a stored TOC (unknown format)");
        }
        long blobSize = buffer.getLong();
        int format = buffer.get();
        if (format < 0 || format >= Footer.Format.values().length) {
            throw new IllegalArgumentException("unknown footer format " + format);
        }
        Footer footer = new Footer(Footer.Format.values()[format], buffer.getLong());
        byte[] digest = new byte[buffer.getShort()];
        buffer.get(digest);
        byte[] section = new byte[buffer.getInt()];
        if (section.length != buffer.remaining() - 4) {
            throw new IllegalArgumentException("a section of " + section.length + " bytes in an entry of "
                    + bytes.length);
        }
        buffer.get(section);
        return new StoredToc(blobSize, footer, Digest.parse(new String(digest, StandardCharsets.US_ASCII)), section);
    }
}
