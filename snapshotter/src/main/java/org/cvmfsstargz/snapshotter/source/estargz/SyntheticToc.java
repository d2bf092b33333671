package org.cvmfsstargz.snapshotter.source.estargz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.cvmfsstargz.stargz.format.CorruptLayerException;
import org.cvmfsstargz.stargz.format.Digest;
import org.cvmfsstargz.stargz.format.Footer;
import org.cvmfsstargz.stargz.format.Toc;
import org.cvmfsstargz.stargz.format.TocLimits;
import org.cvmfsstargz.stargz.format.TocReader;

/**
 * Indexes of layers that exist nowhere, read exactly as the daemon reads a real layer's TOC
 * section (gzip, tar, JSON, digest check): an empty one, for mounting a layer with nothing in it,
 * and one shaped like a real layer's, for exercising the parser. Stateless.
 */
public final class SyntheticToc {
    /** Past every offset {@link #sample} writes, so that its chunks lie inside the (imaginary) blob. */
    private static final long TOC_OFFSET = 1L << 40;

    private SyntheticToc() {}

    /** The index of a layer with nothing in it. */
    public static Toc empty() throws CorruptLayerException {
        return read("{\"version\":1,\"entries\":[]}");
    }

    /**
     * The index of a layer of about {@code entries} entries: directories, files of one and of
     * several chunks with digests, owners and modes, symbolic links and extended attributes.
     */
    public static Toc sample(int entries) throws CorruptLayerException {
        return read(sampleJson(entries));
    }

    /** The TOC JSON of {@link #sample}. */
    static String sampleJson(int entries) {
        StringBuilder json = new StringBuilder(entries * 300).append("{\"version\":1,\"entries\":[");
        long offset = 0;
        for (int n = 0; n < entries; n++) {
            String dir = "usr/lib/pkg" + n / 25 + "/";
            String name = dir + "file" + n + ".py";
            json.append(n == 0 ? "" : ",");
            if (n % 25 == 0) {
                json.append("{\"name\":\"").append(dir).append("\",\"type\":\"dir\",\"mode\":493,")
                        .append("\"modtime\":\"2024-05-06T07:08:09Z\"}");
            } else if (n % 25 == 24) {
                json.append("{\"name\":\"").append(name).append("\",\"type\":\"symlink\",\"linkName\":\"file1.py\",")
                        .append("\"mode\":511,\"xattrs\":{\"user.origin\":\"c2FtcGxl\"}}");
            } else {
                int chunks = n % 50 == 1 ? 3 : 1;
                int size = 4096 + n % 1000;
                json.append("{\"name\":\"").append(name).append("\",\"type\":\"reg\",\"size\":").append(size * chunks)
                        .append(",\"modtime\":\"2024-05-06T07:08:09Z\",\"mode\":420,\"uid\":1000,\"gid\":1000,")
                        .append("\"userName\":\"app\",\"groupName\":\"app\",\"offset\":").append(offset);
                for (int c = 0; c < chunks; c++) {
                    if (c > 0) {
                        json.append("},{\"name\":\"").append(name).append("\",\"type\":\"chunk\",\"offset\":")
                                .append(offset).append(",\"chunkOffset\":").append((long) c * size);
                    }
                    if (c < chunks - 1) {
                        json.append(",\"chunkSize\":").append(size);
                    }
                    Digest digest = Digest.sha256((name + c).getBytes(StandardCharsets.UTF_8));
                    json.append(",\"chunkDigest\":\"").append(digest.value()).append('"');
                    offset += size / 2;
                }
                json.append('}');
            }
        }
        return json.append("]}").toString();
    }

    /** Reads {@code document} as the daemon reads a layer's TOC: from its gzipped tar section, checking its digest. */
    static Toc read(String document) throws CorruptLayerException {
        byte[] json = document.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream section = new ByteArrayOutputStream(json.length / 4 + 1024);
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(section))) {
            TarArchiveEntry entry = new TarArchiveEntry("stargz.index.json");
            entry.setSize(json.length);
            tar.putArchiveEntry(entry);
            tar.write(json);
            tar.closeArchiveEntry();
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory cannot fail", e);
        }
        Footer footer = new Footer(Footer.Format.ESTARGZ, TOC_OFFSET);
        return new TocReader(TocLimits.defaults()).read(section.toByteArray(), footer,
                TOC_OFFSET + section.size() + footer.size(), Optional.of(Digest.sha256(json)));
    }
}
