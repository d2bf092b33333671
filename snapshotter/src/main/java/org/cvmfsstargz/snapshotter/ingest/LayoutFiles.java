package org.cvmfsstargz.snapshotter.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;

/**
 * The files of an OCI image layout ({@code index.json}, {@code blobs/sha256/<hex>}), read either
 * from a directory or, without extracting it, from an OCI archive (a tar of such a directory, as
 * {@code ctr images export} writes).
 *
 * <p>Not thread-safe. The caller closes it (an archive holds an open file).
 */
sealed interface LayoutFiles extends AutoCloseable {

    /** Opens {@code image}: a layout directory, or a tar archive of one. */
    static LayoutFiles open(Path image) throws IngestException {
        if (Files.isDirectory(image)) {
            return new Directory(image);
        }
        if (!Files.isRegularFile(image)) {
            throw new IngestException("no OCI image at " + image + ": expected a layout directory or an OCI archive");
        }
        try {
            return Archive.open(image);
        } catch (IOException | RuntimeException e) {
            throw new IngestException("cannot read " + image + " as an OCI archive (a tar of an OCI layout): "
                    + e.getMessage(), e);
        }
    }

    /** Opens the file at {@code name} (relative, for example {@code blobs/sha256/<hex>}). */
    InputStream open(String name) throws IOException;

    @Override
    void close() throws IOException;

    /** A layout unpacked in a directory. */
    record Directory(Path root) implements LayoutFiles {
        @Override
        public InputStream open(String name) throws IOException {
            return Files.newInputStream(root.resolve(name));
        }

        @Override
        public void close() {
            // Nothing held open.
        }
    }

    /** A layout inside a tar file, read in place through the tar's index of entries. */
    final class Archive implements LayoutFiles {
        private final TarFile tar;
        private final Map<String, TarArchiveEntry> entries;

        private Archive(TarFile tar, Map<String, TarArchiveEntry> entries) {
            this.tar = tar;
            this.entries = entries;
        }

        static Archive open(Path file) throws IOException {
            TarFile tar = new TarFile(file);
            Map<String, TarArchiveEntry> entries = new HashMap<>();
            for (TarArchiveEntry entry : tar.getEntries()) {
                if (entry.isFile()) {
                    String name = entry.getName();
                    while (name.startsWith("./")) {
                        name = name.substring(2);
                    }
                    entries.put(name, entry);
                }
            }
            if (!entries.containsKey("index.json")) {
                tar.close();
                throw new IOException("no index.json in the archive");
            }
            return new Archive(tar, entries);
        }

        @Override
        public InputStream open(String name) throws IOException {
            TarArchiveEntry entry = entries.get(name);
            if (entry == null) {
                throw new NoSuchFileException(name, null, "not in the OCI archive");
            }
            return tar.getInputStream(entry);
        }

        @Override
        public void close() throws IOException {
            tar.close();
        }
    }
}
