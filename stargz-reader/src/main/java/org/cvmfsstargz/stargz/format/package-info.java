/**
 * The eStargz format as bytes in, records out. Pure: no I/O beyond what a caller hands in.
 *
 * <p>Vocabulary. A <em>blob</em> is the layer as the registry stores it: gzip members end to end.
 * Its last 51 bytes (eStargz) or 47 bytes (legacy stargz) are the {@link
 * org.cvmfsstargz.stargz.format.Footer}, which gives the offset of the <em>TOC section</em>: a gzip
 * member holding a tar whose first file, {@code stargz.index.json}, is the <em>TOC</em>, a JSON list
 * of entries. The sha256 of the TOC's exact bytes is the <em>TOC digest</em>, which the manifest's
 * {@code containerd.io/snapshot/stargz/toc.digest} annotation vouches for. A regular file's payload
 * is cut into <em>chunks</em>, each starting a gzip member (or, with {@code innerOffset}, placed
 * inside one) and carrying its own {@code chunkDigest}.
 *
 * <p>Flow: {@link org.cvmfsstargz.stargz.format.Footer#parse} on the blob's tail →
 * {@link org.cvmfsstargz.stargz.format.TocReader#read} on the TOC section (limits, digest,
 * streaming JSON, validation) → an immutable, compact {@link org.cvmfsstargz.stargz.format.Toc}
 * (lookups by inode, path and parent/name; readdir; chunks; prefetch landmark) →
 * {@link org.cvmfsstargz.stargz.format.ChunkVerifier#read} on each fetched chunk. Anything a
 * layer gets wrong is a {@link org.cvmfsstargz.stargz.format.CorruptLayerException} with a
 * {@link org.cvmfsstargz.stargz.format.CorruptLayerException.Reason}, which callers turn into a
 * normal pull.
 *
 * <p>The TOC traps handled here (see {@code shared/reference/stargz-snapshotter.md} §1.2): missing
 * {@code mode}/{@code uid}/{@code gid} mean 0; {@code chunkSize} 0 means "to the end of the file";
 * {@code userName}/{@code groupName} are carried forward by id; {@code xattrs} values are base64;
 * {@code innerOffset}; {@code ./} and {@code /} prefixes; unknown keys such as {@code NumLink}
 * ignored; hard links resolved to their target (which may come later); directories implied by
 * paths created with mode 0755. Refused rather than tolerated: {@code ..} segments, duplicate
 * paths, a file used as a directory, chunks that do not tile their file or go back in the blob,
 * offsets past the TOC, sizes beyond {@link org.cvmfsstargz.stargz.format.TocLimits} or beyond what
 * gzip can inflate from the bytes available, missing or cyclic hard-link targets.
 *
 * <p>Fuzzing: {@code TocFuzzTest} (under {@code src/test}) runs its seed corpus in every
 * {@code mvn verify}; see {@code stargz-reader/README.md} for a bounded fuzzing run.
 *
 * <p>The bottom of this library's flow ({@code fuse} → {@code layer} → {@code cache} |
 * {@code registry} → {@code format}): imports no other package of the library, nothing from the
 * daemon, gRPC, protobuf or containerd; Jackson's streaming core is its only dependency.
 */
package org.cvmfsstargz.stargz.format;
