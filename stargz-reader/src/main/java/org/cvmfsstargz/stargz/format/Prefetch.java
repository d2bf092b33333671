package org.cvmfsstargz.stargz.format;

/**
 * What a layer's landmark file says about prefetching. An eStargz writer puts exactly one
 * landmark, a one-byte regular file, at the root: {@value #LANDMARK} right after the files a
 * workload read first (written first, in access order), or {@value #NO_PREFETCH_LANDMARK} when
 * there are none. The FUSE layer hides both names.
 */
public sealed interface Prefetch {
    /** The landmark that ends the prioritized files. */
    String LANDMARK = ".prefetch.landmark";
    /** The landmark that says no file is prioritized. */
    String NO_PREFETCH_LANDMARK = ".no.prefetch.landmark";

    /** Whether a root-level name is one of the two landmarks. */
    static boolean isLandmark(String rootName) {
        return LANDMARK.equals(rootName) || NO_PREFETCH_LANDMARK.equals(rootName);
    }

    /**
     * {@value #LANDMARK} is present: fetch blob bytes {@code [0, end)}, where {@code end} is the
     * landmark's own (member-aligned) offset, and cache every file whose payload lies below it.
     *
     * @param end the landmark's {@code offset}
     */
    record UpTo(long end) implements Prefetch {
        public UpTo {
            if (end < 0) {
                throw new IllegalArgumentException("negative prefetch end " + end);
            }
        }
    }

    /** {@value #NO_PREFETCH_LANDMARK} is present: prefetch nothing. */
    record Nothing() implements Prefetch {
    }

    /**
     * No landmark (legacy stargz or a foreign writer): the caller decides, from the
     * {@code containerd.io/snapshot/remote/stargz.prefetch} label or its configuration.
     */
    record Unmarked() implements Prefetch {
    }
}
