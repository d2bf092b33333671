package org.cvmfsstargz.bench.startup;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import org.cvmfsstargz.it.support.ContainerdProcess;

/**
 * Deletes a directory the benchmark made, after unmounting whatever is still mounted under it
 * (containerd and runc mount the container's root there). Symbolic links are deleted, never
 * followed: a CVMFS snapshot's {@code fs} is a link into the stand-in repository, which must
 * survive the run. Refuses to delete across a mount point it could not unmount. Stateless.
 */
public final class TempTree {
    private TempTree() {}

    public static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        ContainerdProcess.unmountUnder(dir);
        List<String> still = ContainerdProcess.unmountUnder(dir);
        if (!still.isEmpty()) {
            throw new IOException("not deleting " + dir + ": still mounted under it (umount failed): " + still);
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
