package org.cvmfsstargz.stargz.format;

import static org.cvmfsstargz.stargz.format.CorruptLayerException.Reason.ABSURD_SIZE;
import static org.cvmfsstargz.stargz.format.CorruptLayerException.Reason.BAD_CHUNK_LAYOUT;
import static org.cvmfsstargz.stargz.format.CorruptLayerException.Reason.MALFORMED_TOC;
import static org.cvmfsstargz.stargz.format.CorruptLayerException.Reason.OFFSET_OUT_OF_BLOB;

import java.util.Arrays;
import java.util.BitSet;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * Every chunk of every regular file, in TOC order (which validation makes blob order), as
 * parallel primitive arrays: 16 bytes of offsets and 32 of digest per chunk, plus 8 when some
 * payloads share a gzip member. A chunk's size and compressed end are derived, not stored.
 *
 * <p>Immutable and thread-safe once built.
 */
final class ChunkTable {
    /** Deflate cannot inflate more than 1032 bytes per compressed byte; a little slack on top. */
    private static final long MAX_INFLATE_RATIO = 1032;
    private static final long INFLATE_SLACK = 4096;
    private static final int DIGEST_BYTES = 32;

    private final long[] offsets;
    private final long[] chunkOffsets;
    private final long[] innerOffsets; // null when every innerOffset is 0
    private final byte[] digests;
    private final BitSet missingDigests;
    private final long dataEnd;

    private ChunkTable(Builder b) {
        offsets = Arrays.copyOf(b.offsets, b.count);
        chunkOffsets = Arrays.copyOf(b.chunkOffsets, b.count);
        innerOffsets = b.innerOffsets == null ? null : Arrays.copyOf(b.innerOffsets, b.count);
        digests = Arrays.copyOf(b.digests, b.count * DIGEST_BYTES);
        missingDigests = b.missingDigests;
        dataEnd = b.dataEnd;
    }

    int count() {
        return offsets.length;
    }

    /** The heap its arrays take, headers included. */
    long retainedBytes() {
        int n = offsets.length;
        return 2 * Toc.arrayBytes(n, 8) + (innerOffsets == null ? 0 : Toc.arrayBytes(n, 8))
                + Toc.arrayBytes(digests.length, 1) + missingDigests.size() / 8 + 48;
    }

    long chunkOffset(int i) {
        return chunkOffsets[i];
    }

    /** Chunk {@code i}, which ends at file offset {@code chunkEnd}. */
    Chunk chunk(int i, long chunkEnd) {
        Optional<Digest> digest = missingDigests.get(i) ? Optional.empty()
                : Optional.of(Digest.of(Arrays.copyOfRange(digests, i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES)));
        return new Chunk(offsets[i], innerOffsets == null ? 0 : innerOffsets[i], chunkOffsets[i],
                chunkEnd - chunkOffsets[i], compressedEnd(i), digest);
    }

    /** The next larger member offset after chunk {@code i}'s, or the TOC offset. */
    private long compressedEnd(int i) {
        long offset = offsets[i];
        int low = i + 1;
        int high = offsets.length;
        while (low < high) { // first index whose offset is greater; offsets never decrease
            int mid = (low + high) >>> 1;
            if (offsets[mid] > offset) {
                high = mid;
            } else {
                low = mid + 1;
            }
        }
        return low < offsets.length ? offsets[low] : dataEnd;
    }

    /**
     * Collects chunks file by file, checking as they come that each file's chunks tile it exactly
     * and that chunks advance through the blob without overlapping. Not thread-safe.
     */
    static final class Builder {
        private final long dataEnd;
        private final int maxChunkSize;
        private long[] offsets = new long[1 << 10];
        private long[] chunkOffsets = new long[1 << 10];
        private long[] innerOffsets;
        private long[] sizes = new long[1 << 10]; // build-time only
        private int[] owners = new int[1 << 10]; // build-time only
        private byte[] digests = new byte[DIGEST_BYTES << 10];
        private final BitSet missingDigests = new BitSet();
        private int count;
        private int fileNode = -1;
        private String fileName;
        private long fileSize;
        private long fileCovered;

        /**
         * @param dataEnd the TOC offset: every payload member starts before it
         * @param maxChunkSize the largest chunk accepted
         */
        Builder(long dataEnd, int maxChunkSize) {
            this.dataEnd = dataEnd;
            this.maxChunkSize = maxChunkSize;
        }

        /** How many chunks so far: the index the next one gets. */
        int count() {
            return count;
        }

        /** Whether chunks are being collected for a file, so a {@code chunk} entry may follow. */
        boolean inFile() {
            return fileNode >= 0;
        }

        /** Opens non-empty regular file {@code node} and adds its first chunk, described by its {@code reg} entry. */
        void startFile(int node, long size, RawEntry reg) throws CorruptLayerException {
            fileNode = node;
            fileName = reg.label();
            fileSize = size;
            fileCovered = 0;
            add(reg);
        }

        /** Adds a {@code chunk} entry to the open file. */
        void addChunk(RawEntry chunk) throws CorruptLayerException {
            if (!inFile()) {
                throw CorruptLayerException.forEntry(BAD_CHUNK_LAYOUT, chunk.label(),
                        "a chunk entry that does not follow a non-empty regular file or its chunks");
            }
            add(chunk);
        }

        /** Closes the open file, if any, checking that its chunks cover it whole. */
        void endFile() throws CorruptLayerException {
            if (inFile() && fileCovered != fileSize) {
                throw CorruptLayerException.forEntry(BAD_CHUNK_LAYOUT, fileName,
                        "chunks cover " + fileCovered + " of the file's " + fileSize + " bytes");
            }
            fileNode = -1;
        }

        private void add(RawEntry e) throws CorruptLayerException {
            if (e.offset < 0 || e.offset >= dataEnd) {
                throw CorruptLayerException.forEntry(OFFSET_OUT_OF_BLOB, fileName, "payload offset " + e.offset
                        + " is outside the blob's data region [0, " + dataEnd + ")");
            }
            if (e.innerOffset < 0 || e.chunkSize < 0) {
                throw CorruptLayerException.forEntry(ABSURD_SIZE, fileName, "negative innerOffset or chunkSize");
            }
            if (e.chunkOffset != fileCovered) {
                throw CorruptLayerException.forEntry(BAD_CHUNK_LAYOUT, fileName, "chunk at file offset "
                        + e.chunkOffset + " where " + fileCovered + " was expected (gap or overlap)");
            }
            long size = e.chunkSize == 0 ? fileSize - e.chunkOffset : e.chunkSize; // 0: to the end of the file
            if (size <= 0 || size > fileSize - e.chunkOffset) {
                throw CorruptLayerException.forEntry(BAD_CHUNK_LAYOUT, fileName, "chunk [" + e.chunkOffset + ", +"
                        + size + ") runs past the end of the " + fileSize + "-byte file");
            }
            if (size > maxChunkSize) {
                throw CorruptLayerException.forEntry(ABSURD_SIZE, fileName, "chunk of " + size
                        + " bytes exceeds the limit of " + maxChunkSize);
            }
            if (e.innerOffset > Long.MAX_VALUE - size) {
                throw CorruptLayerException.forEntry(ABSURD_SIZE, fileName, "innerOffset " + e.innerOffset
                        + " + chunk size " + size + " overflows");
            }
            requireBlobOrder(e.offset, e.innerOffset);
            grow();
            offsets[count] = e.offset;
            chunkOffsets[count] = e.chunkOffset;
            sizes[count] = size;
            owners[count] = fileNode;
            if (e.innerOffset != 0) {
                if (innerOffsets == null) {
                    innerOffsets = new long[offsets.length];
                }
                innerOffsets[count] = e.innerOffset;
            }
            storeDigest(e);
            count++;
            fileCovered += size;
        }

        /** Members advance through the blob; payloads sharing a member advance inside it. */
        private void requireBlobOrder(long offset, long innerOffset) throws CorruptLayerException {
            if (count == 0) {
                return;
            }
            long previous = offsets[count - 1];
            if (offset < previous) {
                throw CorruptLayerException.forEntry(BAD_CHUNK_LAYOUT, fileName, "payload offset " + offset
                        + " goes back before the previous payload's " + previous);
            }
            long previousEnd = innerOffset(count - 1) + sizes[count - 1];
            if (offset == previous && innerOffset < previousEnd) {
                throw CorruptLayerException.forEntry(BAD_CHUNK_LAYOUT, fileName, "payload at offset " + offset
                        + ", innerOffset " + innerOffset + " overlaps the previous payload in that gzip member,"
                        + " which ends at innerOffset " + previousEnd);
            }
        }

        private void storeDigest(RawEntry e) throws CorruptLayerException {
            if (e.badDigest != null) {
                throw CorruptLayerException.forEntry(MALFORMED_TOC, fileName, "chunkDigest '"
                        + CorruptLayerException.printable(e.badDigest) + "' is not sha256: and 64 lowercase hex digits");
            }
            if (!e.hasDigest) {
                missingDigests.set(count);
                return;
            }
            System.arraycopy(e.digest, 0, digests, count * DIGEST_BYTES, DIGEST_BYTES);
        }

        private long innerOffset(int i) {
            return innerOffsets == null ? 0 : innerOffsets[i];
        }

        private void grow() {
            if (count < offsets.length) {
                return;
            }
            int capacity = offsets.length * 2;
            offsets = Arrays.copyOf(offsets, capacity);
            chunkOffsets = Arrays.copyOf(chunkOffsets, capacity);
            sizes = Arrays.copyOf(sizes, capacity);
            owners = Arrays.copyOf(owners, capacity);
            digests = Arrays.copyOf(digests, capacity * DIGEST_BYTES);
            if (innerOffsets != null) {
                innerOffsets = Arrays.copyOf(innerOffsets, capacity);
            }
        }

        /**
         * The table, after checking that no member claims to inflate to more bytes than its
         * compressed length allows. {@code pathOf} names a node for messages.
         */
        ChunkTable build(IntFunction<String> pathOf) throws CorruptLayerException {
            endFile();
            long memberEnd = dataEnd;
            long memberNeed = 0;
            for (int i = count - 1; i >= 0; i--) {
                if (i + 1 < count && offsets[i + 1] != offsets[i]) {
                    memberEnd = offsets[i + 1];
                    memberNeed = 0;
                }
                memberNeed = Math.max(memberNeed, innerOffset(i) + sizes[i]);
                long span = memberEnd - offsets[i];
                if (memberNeed > INFLATE_SLACK && (memberNeed - INFLATE_SLACK) / MAX_INFLATE_RATIO >= span) {
                    throw CorruptLayerException.forEntry(ABSURD_SIZE, pathOf.apply(owners[i]), "the gzip member at "
                            + offsets[i] + " would have to inflate " + span + " bytes to at least " + memberNeed);
                }
            }
            return new ChunkTable(this);
        }
    }
}
