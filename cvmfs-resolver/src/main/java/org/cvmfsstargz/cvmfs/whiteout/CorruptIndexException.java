package org.cvmfsstargz.cvmfs.whiteout;

import java.io.IOException;

/**
 * A whiteout index ({@link WhiteoutIndex}) was refused: malformed, truncated, of another format
 * version, for another layer, over a limit, or naming a path that could escape the layer. The
 * message names the resource (a file) and, where there is one, the line. Nothing of a refused
 * index is used: the caller reads the layer's markers another way.
 *
 * <p>Immutable once thrown.
 */
public final class CorruptIndexException extends IOException {
    private static final long serialVersionUID = 1L;

    public CorruptIndexException(String message) {
        super(message);
    }
}
