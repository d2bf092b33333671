package org.cvmfsstargz.snapshotter.ingest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Builds a layer tar in memory for tests, entry by entry, in the order given. */
final class LayerTar {
    static final FileTime MTIME = FileTime.from(Instant.parse("2021-02-03T04:05:06Z"));

    private record Item(TarArchiveEntry entry, byte[] content) {}

    private final List<Item> items = new ArrayList<>();

    LayerTar dir(String name) {
        return dir(name, 0755, e -> { });
    }

    LayerTar dir(String name, int mode, Consumer<TarArchiveEntry> tweak) {
        TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/", true);
        e.setMode(040000 | mode);
        return add(e, new byte[0], tweak);
    }

    LayerTar file(String name, String content) {
        return file(name, content, 0644, e -> { });
    }

    LayerTar file(String name, String content, int mode, Consumer<TarArchiveEntry> tweak) {
        TarArchiveEntry e = new TarArchiveEntry(name, true);
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        e.setSize(bytes.length);
        e.setMode(0100000 | mode);
        return add(e, bytes, tweak);
    }

    LayerTar symlink(String name, String target) {
        return symlink(name, target, e -> { });
    }

    LayerTar symlink(String name, String target, Consumer<TarArchiveEntry> tweak) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
        e.setLinkName(target);
        e.setMode(0120777);
        return add(e, new byte[0], tweak);
    }

    LayerTar hardlink(String name, String target) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_LINK, true);
        e.setLinkName(target);
        return add(e, new byte[0], x -> { });
    }

    LayerTar node(String name, byte type, int major, int minor) {
        TarArchiveEntry e = new TarArchiveEntry(name, type, true);
        e.setMode(0640);
        e.setDevMajor(major);
        e.setDevMinor(minor);
        return add(e, new byte[0], x -> { });
    }

    private LayerTar add(TarArchiveEntry entry, byte[] content, Consumer<TarArchiveEntry> tweak) {
        entry.setLastModifiedTime(MTIME);
        tweak.accept(entry);
        items.add(new Item(entry, content));
        return this;
    }

    byte[] build() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(bytes)) {
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (Item item : items) {
                out.putArchiveEntry(item.entry());
                out.write(item.content());
                out.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
