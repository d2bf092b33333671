package org.cvmfsstargz.bench.compare;

import java.io.BufferedOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;
import org.cvmfsstargz.bench.startup.BenchImage;
import org.cvmfsstargz.bench.startup.DigestingOutputStream;

/**
 * Packs one layer tree into an OCI {@code tar+gzip} blob: GNU {@code tar} walks the tree (every
 * file type, hard links, owners and modes as {@code dpkg -x} left them; names sorted, so the same
 * tree gives the same bytes), and its output goes through SHA-256 (the diffID), gzip at level 6
 * (Go's default, as container tools push) and SHA-256 again (the digest) straight into the blob
 * file, never through memory. Stateless.
 */
final class LayerTar {
    private static final int GZIP_LEVEL = 6;
    private static final int BUFFER = 1 << 20;
    private static final long TIMEOUT_MINUTES = 60;

    private LayerTar() {}

    /** Writes the blob of {@code tree} into {@code blobs} (an OCI layout's {@code blobs/sha256}). */
    static BenchImage.Layer write(Path tree, Path blobs) throws IOException {
        List<String> command = new ArrayList<>(List.of("tar", "--create", "--file=-", "--format=gnu", "--sort=name",
                "--numeric-owner", "--directory=" + tree));
        try (Stream<Path> top = Files.list(tree)) {
            command.addAll(top.map(p -> p.getFileName().toString()).sorted().toList());
        }
        Files.createDirectories(blobs);
        Path partial = Files.createTempFile(blobs, ".partial-", "");
        Process tar = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        DigestingOutputStream blob;
        DigestingOutputStream tarSide;
        try {
            GzipParameters gzip = new GzipParameters();
            gzip.setCompressionLevel(GZIP_LEVEL);
            gzip.setBufferSize(BUFFER);
            blob = new DigestingOutputStream(new BufferedOutputStream(Files.newOutputStream(partial), BUFFER));
            tarSide = new DigestingOutputStream(new GzipCompressorOutputStream(blob, gzip));
            try (InputStream in = tar.getInputStream(); tarSide) {
                in.transferTo(tarSide);
            }
            if (!tar.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES) || tar.exitValue() != 0) {
                throw new IOException("tar of " + tree + " failed (exit " + (tar.isAlive() ? "none" : tar.exitValue())
                        + "): " + String.join(" ", command.subList(0, Math.min(command.size(), 12))));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while packing " + tree, e);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(partial);
            throw e;
        } finally {
            tar.destroyForcibly();
        }
        BenchImage.Blob written = new BenchImage.Blob(blob.digest(), blob.count());
        Files.move(partial, blobs.resolve(written.hex()), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        return new BenchImage.Layer(written, tarSide.digest(), tarSide.count());
    }
}
