package org.cvmfsstargz.stargz.format;

import java.util.Objects;
import java.util.Optional;

/**
 * A layer blob that cannot be served lazily: it is not (e)stargz at all, or its footer, table of
 * contents or a chunk is malformed, hostile or does not match its digest. The {@link Reason} is
 * one of a closed set; the message names the TOC entry when there is one and says what is wrong.
 *
 * <p>For the caller this always means the same thing: do not mount this layer, let containerd
 * pull it normally (or answer EIO for a chunk read of an already mounted layer). Expected
 * conditions carry no stack trace; a decompression failure keeps its cause.
 */
public final class CorruptLayerException extends Exception {
    private static final long serialVersionUID = 1L;
    private static final int MAX_NAME = 200;

    /** Why the layer was rejected. */
    public enum Reason {
        /** No eStargz or legacy stargz footer at the end of the blob: an ordinary tar.gz (or zstd) layer. */
        NOT_ESTARGZ("not an eStargz layer"),
        /** A footer is there but its TOC offset or its gzip framing is wrong. */
        MALFORMED_FOOTER("malformed stargz footer"),
        /** The TOC (compressed or JSON), one of its strings, or its entry count exceeds the configured limit. */
        TOC_TOO_LARGE("TOC too large"),
        /** Parsing the TOC and building its index took longer than the configured deadline. */
        TOC_TOO_SLOW("TOC too slow to process"),
        /** The TOC section is not gzip, not a tar holding stargz.index.json first, or not the expected JSON. */
        MALFORMED_TOC("malformed TOC"),
        /** The uncompressed TOC JSON does not hash to the {@code containerd.io/snapshot/stargz/toc.digest} given. */
        TOC_DIGEST_MISMATCH("TOC digest mismatch"),
        /** A name is empty where it may not be, holds a NUL, or has a segment longer than 255 bytes. */
        INVALID_NAME("invalid entry name"),
        /** A name or hard-link target climbs out of the layer root with {@code ..}. */
        PATH_ESCAPE("path escapes the layer root"),
        /** The same path appears twice. */
        DUPLICATE_ENTRY("duplicate entry"),
        /** Entries contradict each other: a file used as a directory, a hard link to a directory, and so on. */
        CONFLICTING_ENTRY("conflicting entries"),
        /** A payload offset, or the TOC offset, lies outside the blob's data region. */
        OFFSET_OUT_OF_BLOB("offset outside the blob"),
        /** A file's chunks do not tile it exactly, overlap, or are out of blob order. */
        BAD_CHUNK_LAYOUT("bad chunk layout"),
        /** A size no honest layer has: negative, beyond a limit, or more than gzip can inflate from its bytes. */
        ABSURD_SIZE("absurd size"),
        /** A hard link names a path that is not in the TOC. */
        HARDLINK_TARGET_MISSING("hard link target missing"),
        /** Hard links point at each other in a loop. */
        HARDLINK_CYCLE("hard link cycle"),
        /** A chunk's compressed bytes do not inflate to its declared length. */
        CORRUPT_CHUNK("corrupt chunk"),
        /** A chunk's uncompressed bytes do not hash to its {@code chunkDigest}. */
        CHUNK_DIGEST_MISMATCH("chunk digest mismatch"),
        /** Verification is required but the chunk has no {@code chunkDigest}. */
        CHUNK_DIGEST_MISSING("chunk digest missing");

        private final String description;

        Reason(String description) {
            this.description = description;
        }

        /** A few words for logs, e.g. "duplicate entry". */
        public String description() {
            return description;
        }
    }

    private final Reason reason;
    private final String entry;

    private CorruptLayerException(Reason reason, String entry, String detail, Throwable cause) {
        super(format(reason, entry, detail), cause, true, cause != null);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.entry = entry;
    }

    /** A rejection of the layer as a whole (footer, TOC framing, digest). */
    public CorruptLayerException(Reason reason, String detail) {
        this(reason, null, detail, null);
    }

    /** A rejection of the layer as a whole, caused by {@code cause} (kept, with its stack trace). */
    public CorruptLayerException(Reason reason, String detail, Throwable cause) {
        this(reason, null, detail, cause);
    }

    /** A rejection because of the TOC entry named {@code entry}. */
    public static CorruptLayerException forEntry(Reason reason, String entry, String detail) {
        return new CorruptLayerException(reason, Objects.requireNonNull(entry, "entry"), detail, null);
    }

    /** The kind of rejection. */
    public Reason reason() {
        return reason;
    }

    /** The TOC entry (its name as the TOC spells it) the rejection is about, if it is about one. */
    public Optional<String> entry() {
        return Optional.ofNullable(entry);
    }

    private static String format(Reason reason, String entry, String detail) {
        String where = entry == null ? "" : "entry '" + printable(entry) + "': ";
        return reason.description() + ": " + where + detail;
    }

    /** Keeps messages on one line and bounded whatever a hostile TOC holds. */
    static String printable(String raw) {
        String shortened = raw.length() > MAX_NAME ? raw.substring(0, MAX_NAME) + "..." : raw;
        return shortened.replaceAll("\\p{Cntrl}", "?");
    }
}
