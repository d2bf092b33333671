package org.cvmfsstargz.cvmfs.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import org.cvmfsstargz.cvmfs.resolve.Repository;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RepositoryStatsTest {
    @TempDir
    Path mountpoint;

    private final RepositoryStats stats = new RepositoryStats(Duration.ofSeconds(5));

    private static void setXattr(Path path, String name, String value) throws IOException {
        Files.getFileAttributeView(path, UserDefinedFileAttributeView.class)
                .write(name, ByteBuffer.wrap(value.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void readsTheAttributesThatArePresentAndLeavesTheOthersEmpty() throws IOException {
        Repository repository = new Repository(mountpoint, "unpacked.cern.ch");
        Files.createDirectories(repository.root());
        setXattr(repository.root(), "revision", "48213");
        setXattr(repository.root(), "nioerr", "3\n");
        setXattr(repository.root(), "host", "http://cvmfs-stratum-one.cern.ch/cvmfs/unpacked.cern.ch");
        setXattr(repository.root(), "nclg", "not a number");

        RepositoryStatistics read = stats.read(repository);

        assertThat(read.revision()).isEqualTo(OptionalLong.of(48213));
        assertThat(read.ioErrors()).isEqualTo(OptionalLong.of(3));
        assertThat(read.host()).isEqualTo(Optional.of("http://cvmfs-stratum-one.cern.ch/cvmfs/unpacked.cern.ch"));
        assertThat(read.loadedCatalogs()).isEmpty();
        assertThat(read.downloadedKiB()).isEmpty();
        assertThat(read.proxy()).isEmpty();
        assertThat(read.version()).isEmpty();
        assertThat(read.usedFileDescriptors()).isEmpty();
    }

    @Test
    void aMissingRootIsAnIoError() {
        assertThatThrownBy(() -> stats.read(new Repository(mountpoint, "absent.cern.ch")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("absent.cern.ch");
    }
}
