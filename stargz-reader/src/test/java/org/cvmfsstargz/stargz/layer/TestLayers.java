package org.cvmfsstargz.stargz.layer;

import org.cvmfsstargz.stargz.format.TestBlob;

/** Layers for the layer package's tests. Stateless. */
final class TestLayers {
    private TestLayers() {}

    /** A layer of {@code files} small files: with a few thousand, the TOC section outgrows the 64 KiB tail. */
    static TestBlob.Built of(int files) {
        TestBlob blob = TestBlob.layer();
        for (int i = 0; i < files; i++) {
            blob.file("usr/share/doc/pkg" + i / 50 + "/file-" + i + ".txt", "content of file " + i + "\n");
        }
        return blob.build();
    }
}
