package org.cvmfsstargz.snapshotter.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerUnpackerTest {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    @TempDir
    Path temp;

    private Path unpack(LayerTar tar) throws Exception {
        Path dir = Files.createDirectories(temp.resolve("layerfs"));
        new LayerUnpacker().unpack(new ByteArrayInputStream(tar.build()), dir);
        return dir;
    }

    @Test
    void whiteoutsAreKeptAsOrdinaryEmptyFiles() throws Exception {
        Path dir = unpack(new LayerTar().dir("etc").file("etc/.wh.passwd", "").dir("opt")
                .file("opt/.wh..wh..opq", ""));

        assertThat(dir.resolve("etc/.wh.passwd")).isRegularFile().isEmptyFile();
        assertThat(dir.resolve("opt/.wh..wh..opq")).isRegularFile().isEmptyFile();
    }

    @Test
    void hardlinksShareTheInodeAndSymlinksKeepTheirTargetVerbatim() throws Exception {
        Path dir = unpack(new LayerTar().dir("bin").file("bin/busybox", "elf")
                .hardlink("bin/sh", "bin/busybox").symlink("bin/ls", "busybox")
                .symlink("passwd", "/etc/passwd").symlink("dangling", "../../nowhere"));

        assertThat(Files.getAttribute(dir.resolve("bin/sh"), "unix:ino"))
                .isEqualTo(Files.getAttribute(dir.resolve("bin/busybox"), "unix:ino"));
        assertThat(Files.getAttribute(dir.resolve("bin/sh"), "unix:nlink")).isEqualTo(2);
        assertThat(Files.readSymbolicLink(dir.resolve("bin/ls"))).isEqualTo(Path.of("busybox"));
        assertThat(Files.readSymbolicLink(dir.resolve("passwd"))).isEqualTo(Path.of("/etc/passwd"));
        assertThat(Files.readSymbolicLink(dir.resolve("dangling"))).isEqualTo(Path.of("../../nowhere"));
    }

    @Test
    void aHardlinksHeaderAppliesToTheSharedInodeAsContainerdDoes() throws Exception {
        Path dir = unpack(new LayerTar().file("target", "x", 0644, e -> { })
                .hardlink("link", "target").symlink("sym", "target").hardlink("symlink-hardlink", "sym"));
        // LayerTar's hardlink entries carry TarArchiveEntry's default file mode.
        int linkMode = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("x",
                org.apache.commons.compress.archivers.tar.TarConstants.LF_LINK, true).getMode() & 07777;
        assertThat((Integer) Files.getAttribute(dir.resolve("target"), "unix:mode") & 07777).isEqualTo(linkMode);
        assertThat(Files.readSymbolicLink(dir.resolve("symlink-hardlink"))).isEqualTo(Path.of("target"));
    }

    @Test
    void modesMtimesAndSpecialBitsArePreservedEvenOnDirectoriesFilledLater() throws Exception {
        Path dir = unpack(new LayerTar().dir("tmp", 01777, e -> { }).dir("ro", 0555, e -> { })
                .file("ro/file", "x", 0444, e -> { }).file("suid", "x", 04755, e -> { })
                .file("sgid", "x", 02711, e -> { }));

        assertThat(Files.getAttribute(dir.resolve("tmp"), "unix:mode")).isEqualTo(041777);
        assertThat(Files.getAttribute(dir.resolve("ro"), "unix:mode")).isEqualTo(040555);
        assertThat(Files.getAttribute(dir.resolve("suid"), "unix:mode")).isEqualTo(0104755);
        assertThat(Files.getAttribute(dir.resolve("sgid"), "unix:mode")).isEqualTo(0102711);
        assertThat(Files.getLastModifiedTime(dir.resolve("ro"))).isEqualTo(LayerTar.MTIME);
        assertThat(Files.getLastModifiedTime(dir.resolve("ro/file"))).isEqualTo(LayerTar.MTIME);
    }

    @Test
    void ownersArePreservedOnFilesDirectoriesAndSymlinksThemselvesWhenRunAsRoot() throws Exception {
        Path dir = unpack(new LayerTar().dir("home", 0750, e -> e.setIds(1000, 1001))
                .file("home/a", "x", 04755, e -> e.setIds(1234, 5678))
                .symlink("home/link", "a", e -> e.setIds(42, 43)));

        assertThat(Files.getAttribute(dir.resolve("home"), "unix:uid")).isEqualTo(1000);
        assertThat(Files.getAttribute(dir.resolve("home"), "unix:gid")).isEqualTo(1001);
        assertThat(Files.getAttribute(dir.resolve("home/a"), "unix:uid")).isEqualTo(1234);
        assertThat(Files.getAttribute(dir.resolve("home/a"), "unix:gid")).isEqualTo(5678);
        assertThat(Files.getAttribute(dir.resolve("home/a"), "unix:mode")).isEqualTo(0104755);
        assertThat(Files.getAttribute(dir.resolve("home/link"), "unix:uid", NOFOLLOW)).isEqualTo(42);
        assertThat(Files.getAttribute(dir.resolve("home/link"), "unix:gid", NOFOLLOW)).isEqualTo(43);
        assertThat(Files.getLastModifiedTime(dir.resolve("home/link"), NOFOLLOW)).isEqualTo(LayerTar.MTIME);
    }

    @Test
    void fifosAndDevicesAreCreatedWithTheirNumbersWhenRunAsRoot() throws Exception {
        Path dir = unpack(new LayerTar().dir("dev").node("dev/null", TarConstants.LF_CHR, 1, 3)
                .node("dev/loop0", TarConstants.LF_BLK, 7, 0).node("dev/pipe", TarConstants.LF_FIFO, 0, 0));

        assertThat(Files.getAttribute(dir.resolve("dev/null"), "unix:mode")).isEqualTo(0020640);
        assertThat(Files.getAttribute(dir.resolve("dev/null"), "unix:rdev")).isEqualTo(SpecialFiles.makedev(1, 3));
        assertThat(Files.getAttribute(dir.resolve("dev/loop0"), "unix:mode")).isEqualTo(0060640);
        assertThat(Files.getAttribute(dir.resolve("dev/loop0"), "unix:rdev")).isEqualTo(SpecialFiles.makedev(7, 0));
        assertThat(Files.getAttribute(dir.resolve("dev/pipe"), "unix:mode")).isEqualTo(0010640);
    }

    @Test
    void anEntryWithDotDotIsRefusedAndNothingIsWrittenOutside() throws Exception {
        assertThatThrownBy(() -> unpack(new LayerTar().file("a/../../x", "evil")))
                .isInstanceOf(IngestException.class).hasMessageContaining("'..'");

        assertThat(temp.resolve("x")).doesNotExist();
    }

    @Test
    void anAbsoluteEntryIsRefused() {
        assertThatThrownBy(() -> unpack(new LayerTar().file("/tmp/ingest-test-evil", "evil")))
                .isInstanceOf(IngestException.class).hasMessageContaining("absolute");

        assertThat(Path.of("/tmp/ingest-test-evil")).doesNotExist();
    }

    @Test
    void anEntryUnderASymlinkedDirectoryIsRefusedAndNothingIsWrittenOutside() throws Exception {
        Path outside = Files.createDirectories(temp.resolve("outside"));

        assertThatThrownBy(() -> unpack(new LayerTar().symlink("escape", outside.toString())
                .file("escape/evil", "evil")))
                .isInstanceOf(IngestException.class).hasMessageContaining("not a directory");

        assertThat(outside).isEmptyDirectory();
    }

    @Test
    void aHardlinkToAPathOutsideIsRefused() throws Exception {
        Files.writeString(temp.resolve("secret"), "s");

        assertThatThrownBy(() -> unpack(new LayerTar().hardlink("link", "../secret")))
                .isInstanceOf(IngestException.class).hasMessageContaining("'..'");
        assertThatThrownBy(() -> unpack(new LayerTar().symlink("up", "..").hardlink("link", "up/secret")))
                .isInstanceOf(IngestException.class).hasMessageContaining("hardlink target");
    }

    @Test
    void aLaterFileReplacesAnEarlierSymlinkWithoutWritingThroughIt() throws Exception {
        Path victim = Files.writeString(temp.resolve("victim"), "original");

        Path dir = unpack(new LayerTar().symlink("name", victim.toString()).file("name", "new"));

        assertThat(victim).hasContent("original");
        assertThat(dir.resolve("name")).isRegularFile().hasContent("new");
    }

    @Test
    void missingParentDirectoriesAreCreated() throws Exception {
        Path dir = unpack(new LayerTar().file("usr/share/doc/README", "hello"));

        assertThat(dir.resolve("usr/share/doc/README")).hasContent("hello");
    }
}
