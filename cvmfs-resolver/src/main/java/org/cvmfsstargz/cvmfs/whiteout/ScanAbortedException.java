package org.cvmfsstargz.cvmfs.whiteout;

import java.io.IOException;

/**
 * A {@link WhiteoutScan} gave up: its deadline passed or the layer has more entries than allowed.
 * The message names the layer and how many entries were seen; no partial plan is returned, since
 * stacking a layer with half its whiteouts would show deleted files.
 *
 * <p>Immutable once thrown.
 */
public final class ScanAbortedException extends IOException {
    private static final long serialVersionUID = 1L;

    public ScanAbortedException(String message) {
        super(message);
    }
}
