package org.cvmfsstargz.stargz.layer;

import java.util.Objects;
import org.cvmfsstargz.stargz.format.Chunk;
import org.cvmfsstargz.stargz.format.TocEntry;

/**
 * One chunk together with the regular file it belongs to: what is fetched, verified and cached.
 * Immutable.
 */
public record FileChunk(TocEntry file, Chunk chunk) {
    public FileChunk {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(chunk, "chunk");
    }
}
