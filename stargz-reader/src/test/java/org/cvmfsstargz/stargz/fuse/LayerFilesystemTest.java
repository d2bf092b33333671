package org.cvmfsstargz.stargz.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.Struct;
import org.cvmfsstargz.stargz.format.CorruptLayerException;
import org.cvmfsstargz.stargz.format.Digest;
import org.cvmfsstargz.stargz.format.TestBlob;
import org.cvmfsstargz.stargz.format.Toc;
import org.cvmfsstargz.stargz.format.TocEntry;
import org.cvmfsstargz.stargz.layer.ContentReader;
import org.junit.jupiter.api.Test;
import ru.serce.jnrfuse.ErrorCodes;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;

/**
 * Calls the filesystem's callbacks directly, with C structs in native memory as libfuse would pass
 * them: no mount, no root (libfuse 2 must be installed for jnr-fuse to load).
 */
class LayerFilesystemTest {
    private static final Runtime RUNTIME = Runtime.getSystemRuntime();
    private static final byte[] BIG = random(300_000);
    private static final Digest LAYER = Digest.sha256("layer".getBytes(StandardCharsets.UTF_8));

    private final TestBlob.Built built = TestBlob.layer()
            .chunkSize(65_536)
            .file("big", BIG)
            .file("etc/hostname", "box\n", Map.of("xattrs", Map.of("user.colour", TestBlob.base64("blue"),
                    "user.size", TestBlob.base64("large"))))
            .file("etc/.wh.passwd", "")
            .symlink("etc/localtime", "/usr/share/zoneinfo/Europe/Zurich")
            .file("opt/.wh..wh..opq", "")
            .file("opt/app", "app")
            .build();
    private final Toc toc = read(built);
    private final List<String> failing = new CopyOnWriteArrayList<>();
    private final List<String> shortened = new CopyOnWriteArrayList<>();
    private final List<String> heard = new CopyOnWriteArrayList<>();
    private final ContentReader reader = (file, offset, dst, length) -> {
        if (failing.contains(file.path())) {
            throw new IOException("injected failure");
        }
        byte[] content = content(file);
        int n = (int) Math.max(0, Math.min(length, content.length - offset));
        System.arraycopy(content, (int) Math.min(offset, content.length), dst, 0, n);
        return shortened.contains(file.path()) ? n / 2 : n;
    };
    private final LayerFilesystem fs = new LayerFilesystem(LAYER, toc, reader,
            (operation, nanos, ok) -> heard.add(operation + (ok ? " ok" : " failed")));

    @Test
    void getattrFillsTheStatOfAPathFromTheTree() {
        FileStat stat = stat();

        assertThat(fs.getattr("/etc/hostname", stat)).isZero();

        assertThat(stat.st_ino.longValue()).isEqualTo(toc.lookup("etc/hostname").orElseThrow().inode());
        assertThat(stat.st_mode.intValue()).isEqualTo(NodeAttributes.S_IFREG | 0644);
        assertThat(stat.st_size.longValue()).isEqualTo(4);
        assertThat(stat.st_blocks.longValue()).isEqualTo(1);
        assertThat(stat.st_nlink.intValue()).isEqualTo(1);
        assertThat(stat.st_mtim.tv_sec.longValue()).isEqualTo(Instant.parse(TestBlob.MODTIME).getEpochSecond());
        assertThat(fs.getattr("/etc/passwd", stat)).isZero();
        assertThat(stat.st_mode.intValue()).isEqualTo(NodeAttributes.S_IFCHR);
        assertThat(stat.st_rdev.longValue()).isZero();
        assertThat(fs.getattr("/etc/.wh.passwd", stat)).isEqualTo(-ErrorCodes.ENOENT());
        assertThat(heard).containsExactly("getattr ok", "getattr ok", "getattr ok");
    }

    @Test
    void readdirListsDotDotDotAndTheVisibleNamesWithInodesAndTypes() {
        List<String> listed = new ArrayList<>();
        FuseFillDir filler = new FuseFillDir() {
            @Override
            public int apply(Pointer buf, ByteBuffer name, Pointer stbuf, long off) {
                byte[] bytes = name.array();
                assertThat(bytes[bytes.length - 1]).as("NUL-terminated").isZero();
                FileStat stat = FileStat.of(stbuf);
                listed.add(new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8) + " "
                        + stat.st_ino.longValue() + " 0" + Integer.toOctalString(stat.st_mode.intValue() >> 12));
                return 0;
            }
        };
        long etc = toc.lookup("etc").orElseThrow().inode();

        assertThat(fs.readdir("/etc", null, filler, 0, null)).isZero();

        assertThat(listed).containsExactly(
                ". " + etc + " 04",
                ".. " + Toc.ROOT_INODE + " 04",
                "hostname " + toc.lookup("etc/hostname").orElseThrow().inode() + " 010",
                "passwd " + toc.lookup("etc/.wh.passwd").orElseThrow().inode() + " 02",
                "localtime " + toc.lookup("etc/localtime").orElseThrow().inode() + " 012");
        assertThat(fs.readdir("/etc/hostname", null, filler, 0, null)).isEqualTo(-ErrorCodes.ENOTDIR());
        assertThat(fs.readdir("/nowhere", null, filler, 0, null)).isEqualTo(-ErrorCodes.ENOENT());
    }

    @Test
    void readCopiesExactlyTheRequestedRangeFromTheReader() {
        Pointer buf = Memory.allocateDirect(RUNTIME, 131_072);

        assertThat(fs.read("/big", buf, 131_072, 70_000, fileInfo(0))).isEqualTo(131_072);
        assertThat(bytes(buf, 131_072)).isEqualTo(Arrays.copyOfRange(BIG, 70_000, 70_000 + 131_072));

        assertThat(fs.read("/big", buf, 131_072, BIG.length - 10, fileInfo(0))).isEqualTo(10);
        assertThat(bytes(buf, 10)).isEqualTo(Arrays.copyOfRange(BIG, BIG.length - 10, BIG.length));
        assertThat(fs.read("/big", buf, 4096, BIG.length, fileInfo(0))).isZero();
        assertThat(fs.read("/etc", buf, 4096, 0, fileInfo(0))).isEqualTo(-ErrorCodes.EISDIR());
        assertThat(fs.read("/etc/passwd", buf, 4096, 0, fileInfo(0))).isEqualTo(-ErrorCodes.EINVAL());
    }

    @Test
    void aReadTheReaderFailsOrCutsShortIsEioAndTheListenerHearsAFailure() {
        Pointer buf = Memory.allocateDirect(RUNTIME, 4096);
        buf.put(0, new byte[4096], 0, 4096);

        failing.add("big");
        assertThat(fs.read("/big", buf, 4096, 0, fileInfo(0))).isEqualTo(-ErrorCodes.EIO());
        failing.clear();
        shortened.add("big");
        assertThat(fs.read("/big", buf, 4096, 0, fileInfo(0))).isEqualTo(-ErrorCodes.EIO());

        assertThat(heard).containsExactly("read failed", "read failed");
    }

    @Test
    void openRefusesWritingAndKeepsThePageCache() {
        FuseFileInfo readOnly = fileInfo(0);
        Pointer memory = Struct.getMemory(readOnly);
        memory.putLong(24, 0x1122_3344_5566_7788L);

        assertThat(fs.open("/big", readOnly)).isZero();
        assertThat(memory.getByte(FuseStructs.BITFIELD_OFFSET)).isEqualTo((byte) FuseStructs.KEEP_CACHE_BIT);
        assertThat(memory.getInt(16)).as("writepage untouched").isZero();
        assertThat(memory.getLong(24)).as("fh untouched").isEqualTo(0x1122_3344_5566_7788L);

        assertThat(fs.open("/big", fileInfo(1))).isEqualTo(-ErrorCodes.EROFS());
        assertThat(fs.open("/big", fileInfo(2))).isEqualTo(-ErrorCodes.EROFS());
        assertThat(fs.open("/missing", fileInfo(0))).isEqualTo(-ErrorCodes.ENOENT());
    }

    @Test
    void getxattrAnswersTheLengthForSizeZeroAndErangeForASmallBuffer() {
        Pointer buf = Memory.allocateDirect(RUNTIME, 64);

        assertThat(fs.getxattr("/etc/hostname", "user.colour", buf, 0)).isEqualTo(4);
        assertThat(fs.getxattr("/etc/hostname", "user.colour", buf, 3)).isEqualTo(-ErrorCodes.ERANGE());
        assertThat(fs.getxattr("/etc/hostname", "user.colour", buf, 64)).isEqualTo(4);
        assertThat(bytes(buf, 4)).asString().isEqualTo("blue");
        assertThat(fs.getxattr("/etc/hostname", "user.none", buf, 64)).isEqualTo(-ErrorCodes.ENODATA());
        assertThat(fs.getxattr("/opt", LayerTree.TRUSTED_OPAQUE, buf, 64)).isEqualTo(1);
        assertThat(bytes(buf, 1)).asString().isEqualTo("y");
        assertThat(fs.getxattr("/etc/passwd", LayerTree.TRUSTED_OPAQUE, buf, 64)).isEqualTo(-ErrorCodes.ENODATA());
        assertThat(fs.getxattr("/missing", "user.colour", buf, 64)).isEqualTo(-ErrorCodes.ENOENT());
    }

    @Test
    void listxattrListsNulTerminatedNames() {
        Pointer buf = Memory.allocateDirect(RUNTIME, 128);
        String expected = "trusted.overlay.opaque\0user.overlay.opaque\0";

        assertThat(fs.listxattr("/opt", buf, 0)).isEqualTo(expected.length());
        assertThat(fs.listxattr("/opt", buf, 10)).isEqualTo(-ErrorCodes.ERANGE());
        assertThat(fs.listxattr("/opt", buf, 128)).isEqualTo(expected.length());
        assertThat(bytes(buf, expected.length())).asString().isEqualTo(expected);
        assertThat(fs.listxattr("/etc", buf, 0)).isZero();
    }

    @Test
    void readlinkGivesTheTargetNulTerminatedAndCutToFit() {
        Pointer buf = Memory.allocateDirect(RUNTIME, 64);

        assertThat(fs.readlink("/etc/localtime", buf, 64)).isZero();
        assertThat(buf.getString(0)).isEqualTo("/usr/share/zoneinfo/Europe/Zurich");
        assertThat(fs.readlink("/etc/localtime", buf, 5)).isZero();
        assertThat(buf.getString(0)).isEqualTo("/usr");
        assertThat(fs.readlink("/etc/hostname", buf, 64)).isEqualTo(-ErrorCodes.EINVAL());
    }

    @Test
    void statfsReportsBlocksOfAllFilesAndTheNameCount() {
        Statvfs stat = Statvfs.of(Memory.allocateDirect(RUNTIME, 256));

        assertThat(fs.statfs("/", stat)).isZero();

        assertThat(stat.f_bsize.longValue()).isEqualTo(4096);
        assertThat(stat.f_blocks.longValue()).isEqualTo((BIG.length + 4 + 3 + 4095) / 4096);
        assertThat(stat.f_bfree.longValue()).isZero();
        assertThat(stat.f_files.longValue()).isEqualTo(toc.nameCount());
        assertThat(stat.f_namemax.longValue()).isEqualTo(255);
    }

    @Test
    void everyCallThatWouldChangeTheLayerIsErofs() {
        int erofs = -ErrorCodes.EROFS();

        assertThat(List.of(fs.mkdir("/x", 0755), fs.mknod("/x", 0644, 0), fs.unlink("/big"), fs.rmdir("/etc"),
                fs.symlink("/big", "/x"), fs.rename("/big", "/x"), fs.link("/big", "/x"), fs.chmod("/big", 0777),
                fs.chown("/big", 1, 1), fs.truncate("/big", 0), fs.write("/big", null, 1, 0, null),
                fs.create("/x", 0644, null), fs.setxattr("/big", "user.a", null, 0, 0),
                fs.removexattr("/etc/hostname", "user.colour"), fs.utimens("/big", null),
                fs.ftruncate("/big", 0, null), fs.fallocate("/big", 0, 0, 1, null), fs.access("/big", 2)))
                .containsOnly(erofs);
        assertThat(fs.access("/big", 4)).isZero();
        assertThat(fs.access("/missing", 4)).isEqualTo(-ErrorCodes.ENOENT());
    }

    @Test
    void aFailingListenerDoesNotChangeTheAnswer() {
        LayerFilesystem noisy = new LayerFilesystem(LAYER, toc, reader, (operation, nanos, ok) -> {
            throw new IllegalStateException("listener bug");
        });

        assertThat(noisy.getattr("/big", stat())).isZero();
    }

    private byte[] content(TocEntry file) throws IOException {
        try {
            return built.content(toc, file);
        } catch (CorruptLayerException e) {
            throw new IOException(e);
        }
    }

    private static FileStat stat() {
        Pointer memory = Memory.allocateDirect(RUNTIME, 256);
        memory.setMemory(0, 256, (byte) 0);
        return FileStat.of(memory);
    }

    private static FuseFileInfo fileInfo(int flags) {
        Pointer memory = Memory.allocateDirect(RUNTIME, 64);
        memory.setMemory(0, 64, (byte) 0);
        memory.putInt(0, flags);
        return FuseFileInfo.of(memory);
    }

    private static byte[] bytes(Pointer pointer, int length) {
        byte[] bytes = new byte[length];
        pointer.get(0, bytes, 0, length);
        return bytes;
    }

    private static Toc read(TestBlob.Built built) {
        try {
            return built.read();
        } catch (CorruptLayerException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] random(int size) {
        byte[] bytes = new byte[size];
        new Random(11).nextBytes(bytes);
        return bytes;
    }
}
