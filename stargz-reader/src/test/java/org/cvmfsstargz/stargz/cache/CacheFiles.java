package org.cvmfsstargz.stargz.cache;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** What a disk cache directory holds, read straight from the file system. */
final class CacheFiles {
    private CacheFiles() {
    }

    /** Every regular file below {@code dir} but its tag, relative to {@code dir}, sorted. */
    static List<Path> entries(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).map(dir::relativize)
                    .filter(p -> !p.toString().equals(CacheDirectory.TAG_NAME)).sorted().toList();
        }
    }

    /** The total length of {@link #entries}. */
    static long bytes(Path dir) throws IOException {
        long total = 0;
        for (Path file : entries(dir)) {
            total += Files.size(dir.resolve(file));
        }
        return total;
    }
}
