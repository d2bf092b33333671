package org.cvmfsstargz.snapshotter.training;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.cvmfsstargz.stargz.convert.EstargzWriter;
import org.cvmfsstargz.stargz.format.Digest;

/**
 * The two layers of the training image: one published unpacked in a CVMFS-like directory (DUCC's
 * layout, with whiteout and catalog markers), one eStargz blob shaped like a small real layer
 * (nested directories, many small files, a few files of several chunks, symbolic links). Stateless.
 */
final class TrainingLayers {
    /** Like the reference converter's default, so that reads cover whole chunks as on a real node. */
    private static final int CHUNK_SIZE = 4 << 20;
    private static final int DIRECTORIES = 40;
    private static final int FILES_PER_DIRECTORY = 40;

    private TrainingLayers() {}

    /** An eStargz layer of about 1,700 entries and 14 MiB of file content. */
    static EstargzWriter.Blob estargz() {
        Random random = new Random(42);
        EstargzWriter writer = new EstargzWriter(CHUNK_SIZE).directory("usr/").directory("usr/lib/");
        for (int d = 0; d < DIRECTORIES; d++) {
            String dir = "usr/lib/python3/pkg" + d + "/";
            writer.directory(dir);
            for (int f = 0; f < FILES_PER_DIRECTORY; f++) {
                writer.file(dir + "module" + f + ".py", text(random, 512 + random.nextInt(8192)));
            }
            writer.symlink(dir + "latest.py", "module0.py");
        }
        writer.file("usr/lib/libtraining.so", text(random, 10 << 20)); // three chunks
        return writer.write();
    }

    /**
     * Publishes a layer in DUCC's layout under {@code repository}: {@code .layers/<xx>/<hex>/layerfs}
     * with files, a deleted name, an opaque directory and a catalog marker.
     *
     * @return the layer's (made-up) digest
     */
    static Digest cvmfs(Path repository) throws IOException {
        Digest digest = Digest.sha256("training layer on cvmfs".getBytes(StandardCharsets.UTF_8));
        Path layerfs = repository.resolve(".layers").resolve(digest.hex().substring(0, 2)).resolve(digest.hex())
                .resolve("layerfs");
        for (int d = 0; d < DIRECTORIES; d++) {
            Path dir = Files.createDirectories(layerfs.resolve("etc/conf" + d));
            for (int f = 0; f < 10; f++) {
                Files.writeString(dir.resolve("setting" + f + ".conf"), "value = " + f + "\n");
            }
        }
        Files.writeString(layerfs.resolve("etc/.wh.removed"), "");
        Files.writeString(Files.createDirectories(layerfs.resolve("var/cache")).resolve(".wh..wh..opq"), "");
        Files.writeString(layerfs.resolve(".cvmfscatalog"), "");
        return digest;
    }

    /** Text-like, compressible bytes, as most files of an image are. */
    private static byte[] text(Random random, int size) {
        byte[] bytes = new byte[size];
        String words = "import def return class self None True False lambda yield ";
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) (random.nextInt(12) == 0 ? '\n' : words.charAt(random.nextInt(words.length())));
        }
        return bytes;
    }
}
