package org.cvmfsstargz.stargz.fuse;

import jnr.ffi.Pointer;
import ru.serce.jnrfuse.ErrorCodes;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FuseBufvec;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Timespec;

/**
 * A jnr-fuse filesystem that refuses every call that would change it with EROFS. The mount is
 * {@code ro}, so the kernel refuses most of these itself; answering them keeps a call that still
 * arrives (or a mount without {@code ro}) from being told that it succeeded. jnr-fuse registers a
 * callback with libfuse only for the methods a subclass overrides; {@link FuseStubFS}'s own
 * versions would answer 0, success.
 *
 * <p>Thread-safe: stateless.
 */
abstract class ReadOnlyFuseStub extends FuseStubFS {
    static final int EROFS = ErrorCodes.EROFS();

    @Override
    public int mknod(String path, long mode, long rdev) {
        return -EROFS;
    }

    @Override
    public int mkdir(String path, long mode) {
        return -EROFS;
    }

    @Override
    public int unlink(String path) {
        return -EROFS;
    }

    @Override
    public int rmdir(String path) {
        return -EROFS;
    }

    @Override
    public int symlink(String oldpath, String newpath) {
        return -EROFS;
    }

    @Override
    public int rename(String oldpath, String newpath) {
        return -EROFS;
    }

    @Override
    public int link(String oldpath, String newpath) {
        return -EROFS;
    }

    @Override
    public int chmod(String path, long mode) {
        return -EROFS;
    }

    @Override
    public int chown(String path, long uid, long gid) {
        return -EROFS;
    }

    @Override
    public int truncate(String path, long size) {
        return -EROFS;
    }

    @Override
    public int ftruncate(String path, long size, FuseFileInfo fi) {
        return -EROFS;
    }

    @Override
    public int write(String path, Pointer buf, long size, long offset, FuseFileInfo fi) {
        return -EROFS;
    }

    @Override
    public int write_buf(String path, FuseBufvec buf, long off, FuseFileInfo fi) {
        return -EROFS;
    }

    @Override
    public int create(String path, long mode, FuseFileInfo fi) {
        return -EROFS;
    }

    @Override
    public int setxattr(String path, String name, Pointer value, long size, int flags) {
        return -EROFS;
    }

    @Override
    public int removexattr(String path, String name) {
        return -EROFS;
    }

    @Override
    public int utimens(String path, Timespec[] timespec) {
        return -EROFS;
    }

    @Override
    public int fallocate(String path, int mode, long off, long length, FuseFileInfo fi) {
        return -EROFS;
    }
}
